/**
 * `npm run --silent sample > ct.dcm`: writes the synthetic CT of tools/sample-ct.ts to stdout,
 * for the README walk-through. Nothing else goes to stdout (--silent keeps npm's banner off it).
 */
import { sampleCt } from './sample-ct.js';

if (process.stdout.isTTY) {
  // DICOM bytes would only garble a terminal.
  process.stderr.write('Writes a synthetic CT (DICOM) to stdout; redirect it: npm run --silent sample > ct.dcm\n');
  process.exit(2);
}
process.stdout.write(sampleCt());
