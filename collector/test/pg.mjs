// A throwaway PostgreSQL cluster for the collector's tests, from Debian's
// `postgresql` package: installed when missing if we run as root (CI, like
// test/browser/ensure-chromium.mjs does for Chromium), otherwise we say how.
//
//   const pg = await startPostgres();   // { url, port, stop(), start(), destroy() }
//   ... new store on pg.url ...
//   await pg.destroy();                  // stops it and deletes its directory
//
// initdb refuses to run as root, so as root every server command runs as the
// `postgres` user, on a temporary directory it owns. The server listens on
// 127.0.0.1 only, on a free port, with its unix socket in that directory and
// trust authentication (nothing else can reach it).
import { execFileSync, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** The newest /usr/lib/postgresql/<major>/bin, installing Debian's package first when missing. */
export function findPostgresBin() {
  const look = () => {
    const base = '/usr/lib/postgresql';
    const majors = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
    majors.sort((a, b) => Number(b) - Number(a));
    return majors.length ? join(base, majors[0], 'bin') : null;
  };
  let bin = process.env.PG_BIN || look();
  if (bin) return bin;
  if (!isRoot) {
    throw new Error(
      '[leadbeam tests] PostgreSQL is missing. Install it with:\n' +
        '  sudo apt-get update && sudo apt-get install -y postgresql\n' +
        'or point PG_BIN at a directory holding initdb and pg_ctl.',
    );
  }
  console.log("[leadbeam tests] PostgreSQL is missing: installing Debian's postgresql package…");
  execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null'], {
    stdio: 'inherit',
  });
  bin = look();
  if (!bin) throw new Error('[leadbeam tests] installed postgresql, but found no /usr/lib/postgresql/*/bin/initdb');
  return bin;
}

/** A port nobody listens on right now (the server binds it a moment later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts a fresh cluster. `stop()`/`start()` take the server down and up again
 * (same data, same port) for the "database down" tests; `destroy()` ends it for good.
 */
export async function startPostgres() {
  const t0 = Date.now();
  const bin = findPostgresBin();
  const dir = mkdtempSync(join(tmpdir(), 'leadbeam-pg-'));
  const data = join(dir, 'data');
  // As root, run as `postgres` (initdb refuses root), in a directory it owns.
  const as = isRoot ? ['runuser', '-u', 'postgres', '--'] : [];
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    chownSync(dir, uid, gid);
  }
  const pg = (tool, args) => {
    const [cmd, ...rest] = [...as, join(bin, tool), ...args];
    // cwd: the tree we run from may not be readable by `postgres`.
    return run(cmd, rest, { cwd: dir, timeout: 60_000 });
  };
  // --no-sync: initdb's own files need no fsync for a throwaway cluster; the server keeps fsync on.
  await pg('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const opts = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c max_connections=60',
    '-c shared_buffers=32MB',
  ].join(' ');
  let running = false;
  const start = async () => {
    await pg('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-o', opts, '-w', '-t', '30', 'start']);
    running = true;
  };
  const stop = async () => {
    running = false;
    await pg('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
  };
  // A crashed test run must not leave a server behind.
  const onExit = () => {
    if (!running) return;
    try {
      const [cmd, ...rest] = [...as, join(bin, 'pg_ctl'), '-D', data, '-m', 'immediate', 'stop'];
      execFileSync(cmd, rest, { cwd: dir, stdio: 'ignore' });
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  await start();
  const destroy = async () => {
    process.removeListener('exit', onExit);
    if (running) {
      running = false;
      await pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dir,
    startMs: Date.now() - t0,
    start,
    stop,
    destroy,
  };
}
