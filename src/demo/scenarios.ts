/** The demo landscape's scenarios: one line each for `cpi-mtls --demo --list`. */
export interface DemoScenario {
  name: string;
  summary: string;
}

export const DEMO_SCENARIOS: DemoScenario[] = [{name: 'happy', summary: 'Option 1 from scratch; everything works (default)'}];
