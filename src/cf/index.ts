export {createCfAdapter, redactParameters, stripAnsi, DRY_RUN_GUID, type CfAdapterOptions} from './adapter.js';
export {CfError, cfError, classifyFailure, CF_DOWNLOAD_PAGE, type CfErrorKind} from './errors.js';
