/**
 * Which groups are private (PS3.5 7.8.1). A module of its own because both dictionaries need it
 * and the standard dictionary imports the private one.
 */

/** Odd groups are private (PS3.5 7.8.1), except 0001/0003/0005/0007/FFFF which may not be used at all. */
export function isPrivateGroup(group: number): boolean {
  return group % 2 === 1 && group > 0x0008 && group !== 0xffff;
}
