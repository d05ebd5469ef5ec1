import {it} from 'vitest';
import {landscapeModel} from '../../flows/diagram.js';
import {layoutLandscape, lineText} from '../../components/LandscapeDiagram.js';
import {atCertificateReview, atProbeResult} from './diagram-fixtures.js';
it('prints', () => {
  for (const [name, s] of [['review', atCertificateReview()], ['ok', atProbeResult('success', 200)], ['403', atProbeResult('forbidden', 403)], ['hs', atProbeResult('handshake-rejected')]] as const) {
    for (const w of [100, 80, 60]) console.log(name, w + '\n' + layoutLandscape(landscapeModel(s), w).map(lineText).join('\n'));
  }
});
