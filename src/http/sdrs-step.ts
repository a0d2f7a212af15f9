// Runs one SDRS step of a legacy request and turns its failure into the legacy error a client
// should see (src/translate/errors.ts), naming what the step was about.
import { SdrsError } from '../sdrs/errors.ts';
import { legacyErrorFromSdrs, type FailureSubject } from '../translate/errors.ts';

export async function sdrsStep<T>(subject: FailureSubject | undefined, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof SdrsError) throw legacyErrorFromSdrs(err as SdrsError & { status?: number }, subject);
    throw err;
  }
}
