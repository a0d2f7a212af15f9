import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
/** Sent to SDRS and EVS so their operators can see who calls. */
export const USER_AGENT = `evs-sdrs-gateway/${pkg.version}`;
