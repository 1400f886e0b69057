// A home directory that declares oclif user and link plugins whose init hook writes a marker file:
// if either build loads plugins from the user's home, the marker appears.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HostileHome {
  home: string;
  /** Written by the planted plugin's code if it ever runs. */
  marker: string;
  ran: () => boolean;
}

export function hostileHome(): HostileHome {
  const home = mkdtempSync(join(tmpdir(), 'ambient-doctor-home-'));
  const plugin = join(home, 'planted-plugin');
  const marker = join(home, 'PLUGIN-RAN');
  mkdirSync(plugin, { recursive: true });
  writeFileSync(
    join(plugin, 'package.json'),
    JSON.stringify({ name: 'planted', version: '1.0.0', type: 'commonjs', oclif: { hooks: { init: './hook.js' } } }),
  );
  writeFileSync(join(plugin, 'hook.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
  for (const data of [join(home, '.local', 'share', 'ambient-doctor'), join(home, 'xdg', 'ambient-doctor')]) {
    mkdirSync(data, { recursive: true });
    writeFileSync(
      join(data, 'package.json'),
      JSON.stringify({
        oclif: {
          schema: 1,
          plugins: [
            { type: 'user', name: 'planted', root: plugin },
            { type: 'link', name: 'planted', root: plugin },
          ],
        },
        dependencies: { planted: '1.0.0' },
      }),
    );
  }
  return { home, marker, ran: () => existsSync(marker) };
}
