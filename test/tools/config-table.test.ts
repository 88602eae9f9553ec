import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS, settingMeta, type SettingName } from '../../lib/config.js';
import { README, configurationTable, readmeTable } from '../../tools/config-table.js';

describe("README's configuration table", () => {
  it('is the table made from the schema of lib/config.ts (names, defaults, descriptions): run `npx tsx tools/config-table.ts --write`', () => {
    expect(readmeTable(readFileSync(README, 'utf8'))).toBe(configurationTable());
  });

  it('has a row, a default and a one-line description for every setting, and no other row', () => {
    const names = [...configurationTable().matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]+) \| ([^|]+) \|$/gm)];
    expect(names.map((m) => m[1])).toEqual(Object.keys(SETTINGS.shape));
    for (const [, name, shown, description] of names) {
      expect(shown.trim(), name).not.toBe('');
      expect(description.trim(), name).toContain(settingMeta(name as SettingName).description);
      expect(settingMeta(name as SettingName).description, name).not.toMatch(/\n/);
    }
  });

  it('shows what an unset variable parses to', () => {
    const table = configurationTable();
    expect(table).toContain('| `MAX_UPLOAD_BYTES` | `10485760` |');
    expect(table).toContain('| `CODECS` | `rle,jpeg,jpegLs,jpeg2000,htj2k` |');
    expect(table).toContain('| `PRE_RENDER` | `on` |');
    expect(table).toContain('| `AUTH_AUDIENCE` | unset |');
  });
});
