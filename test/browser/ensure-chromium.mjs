// Makes sure Debian's Chromium is present for the browser tests.
// Installs it when running as root (CI, fresh dev machine); otherwise says exactly how.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    console.log(`[leadbeam tests] ${CHROMIUM} is missing: installing Debian's chromium package…`);
    execSync('apt-get update && apt-get install -y chromium', { stdio: 'inherit' });
  } else {
    console.error(
      `[leadbeam tests] ${CHROMIUM} is missing. Install it with:\n` +
        '  sudo apt-get update && sudo apt-get install -y chromium\n' +
        'or point CHROMIUM_PATH at a Chromium binary.',
    );
    process.exit(1);
  }
}
