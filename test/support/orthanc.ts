/**
 * A throw-away Orthanc for tests: its own temp dir (config, storage, index, log), free HTTP and DICOM
 * ports picked at run time, loopback only, the DICOMweb plugin, stable-age 1 s so that StableStudy
 * changes come fast. Stopped by PID (SIGTERM, then SIGKILL) and its directory removed.
 * Uploads go over REST (`POST /instances`) or DICOM C-STORE with dcmtk's `storescu`.
 * @see https://orthanc.uclouvain.be/book/users/configuration.html
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/channels/sinks/ris-peer.ts';
import { writeDicomPart10 } from '../../src/transforms/dicom/write.ts';

const ORTHANC_BIN = process.env.ORTHANC_BIN ?? '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';
const START_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 5_000;
const run = promisify(execFile);

export interface StartOrthancOptions {
  /** Basic-auth users (name → password); authentication stays off when absent. */
  users?: Record<string, string>;
  /** Seconds without a new instance before a study is stable (default 1). */
  stableAgeS?: number;
  /** Extra configuration entries, merged last. */
  config?: Record<string, unknown>;
}

export interface RunningOrthanc {
  /** `http://127.0.0.1:<port>` */
  url: string;
  dicomPort: number;
  aet: string;
  /** Orthanc's StorageDirectory (attachments as `xx/yy/<uuid>`, and the SQLite index). */
  storageDir: string;
  /** The temp dir holding the configuration, the storage and the log; removed by `stop()`. */
  dir: string;
  pid: number;
  /** The log file in the temp dir. */
  logFile: string;
  stop(): Promise<void>;
}

async function logTail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '(no log)');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function answersSystem(url: string, auth: string | undefined): Promise<boolean> {
  try {
    const res = await fetch(`${url}/system`, { signal: AbortSignal.timeout(1000), ...(auth ? { headers: { Authorization: auth } } : {}) });
    await res.body?.cancel();
    return res.ok;
  } catch {
    return false;
  }
}

/** Kills by PID: SIGTERM, SIGKILL after the grace period; resolves once the process has exited. */
async function kill(child: ChildProcess): Promise<void> {
  const done = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await done;
  clearTimeout(timer);
}

function configOf(dir: string, httpPort: number, dicomPort: number, aet: string, opts: StartOrthancOptions): Record<string, unknown> {
  const users = opts.users ?? {};
  return {
    Name: aet,
    StorageDirectory: join(dir, 'db'),
    IndexDirectory: join(dir, 'db'),
    HttpServerEnabled: true,
    HttpPort: httpPort,
    RemoteAccessAllowed: false,
    AuthenticationEnabled: Object.keys(users).length > 0,
    RegisteredUsers: users,
    DicomServerEnabled: true,
    DicomPort: dicomPort,
    DicomAet: aet,
    // Any calling AE may store and query; the called AE title is not checked.
    DicomCheckCalledAet: false,
    DicomCheckModalityHost: false,
    DicomAlwaysAllowStore: true,
    DicomAlwaysAllowFind: true,
    DicomModalities: {},
    UnknownSopClassAccepted: true,
    OverwriteInstances: true,
    StableAge: opts.stableAgeS ?? 1,
    Plugins: [DICOMWEB_PLUGIN],
    LuaScripts: [],
    SaveJobs: false,
    StorageCompression: false,
    ...opts.config,
  };
}

async function startOnce(opts: StartOrthancOptions): Promise<RunningOrthanc> {
  const dir = await mkdtemp(join(tmpdir(), 'acclink-orthanc-'));
  const [httpPort, dicomPort] = [await freePort(), await freePort()];
  const aet = `ACL${randomBytes(6).toString('hex').toUpperCase()}`.slice(0, 16);
  const configFile = join(dir, 'orthanc.json');
  const logFile = join(dir, 'orthanc.log');
  await writeFile(configFile, JSON.stringify(configOf(dir, httpPort, dicomPort, aet, opts), null, 2));
  const child = spawn(ORTHANC_BIN, [`--logfile=${logFile}`, configFile], { detached: false, stdio: 'ignore' });
  const url = `http://127.0.0.1:${httpPort}`;
  const [user, password] = Object.entries(opts.users ?? {})[0] ?? [];
  const auth = user === undefined ? undefined : `Basic ${Buffer.from(`${user}:${password ?? ''}`).toString('base64')}`;
  const stop = async (): Promise<void> => {
    await kill(child);
    await rm(dir, { recursive: true, force: true });
  };
  let spawnError: Error | undefined;
  child.once('error', (e) => { spawnError = e; });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await answersSystem(url, auth))) {
    const gone = spawnError !== undefined || child.exitCode !== null || child.signalCode !== null;
    if (gone || Date.now() > deadline) {
      const tail = await logTail(logFile);
      await stop();
      const why = spawnError ? `could not start ${ORTHANC_BIN} (${spawnError.message})` : gone ? `exited with ${child.exitCode ?? child.signalCode}` : `did not answer GET /system within ${START_TIMEOUT_MS} ms`;
      throw new Error(`Orthanc ${why} (its directory ${dir} is removed). Log tail:\n${tail}`);
    }
    await sleep(100);
  }
  if (child.pid === undefined) throw new Error('Orthanc has no PID');
  return { url, dicomPort, aet, storageDir: join(dir, 'db'), dir, pid: child.pid, logFile, stop };
}

/**
 * Starts Orthanc and resolves once `GET /system` answers. A port taken between picking and binding
 * makes Orthanc exit at start; that is retried with new ports (twice), other failures are not.
 */
export async function startOrthanc(opts: StartOrthancOptions = {}): Promise<RunningOrthanc> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      if (attempt >= 3 || !/exited with/.test(String(e))) throw e;
    }
  }
}

/** Uploads Part 10 files with `POST /instances`; resolves the Orthanc instance ids. */
export async function storeFiles(url: string, paths: readonly string[], auth?: { username: string; password: string }): Promise<string[]> {
  const ids: string[] = [];
  const headers: Record<string, string> = { 'Content-Type': 'application/dicom' };
  if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  for (const path of paths) {
    const res = await fetch(`${url}/instances`, { method: 'POST', headers, body: await readFile(path), signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`POST /instances for ${path}: HTTP ${res.status}`);
    const body = (await res.json()) as { ID: string };
    ids.push(body.ID);
  }
  return ids;
}

/** Sends files with DICOM C-STORE through dcmtk `storescu` to the given AE on 127.0.0.1. */
export async function storescuFiles(aet: string, port: number, paths: readonly string[]): Promise<void> {
  try {
    await run('storescu', ['-aet', 'ACCLINKTEST', '-aec', aet, '-to', '10', '127.0.0.1', String(port), ...paths], { timeout: 30_000 });
  } catch (e) {
    const err = e as { stderr?: string; code?: unknown };
    throw new Error(`storescu failed (${String(err.code)}): ${err.stderr ?? String(e)}`, { cause: e });
  }
}

/**
 * C-FIND at study level with dcmtk `findscu`: the Study Instance UIDs whose Accession Number matches.
 * Responses are extracted to files (`-X`) in a temp dir and read back as UIDs with `dcmdump`.
 */
export async function findscuStudiesByAccession(aet: string, port: number, accession: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'acclink-findscu-'));
  try {
    await run('findscu', ['-S', '-aet', 'ACCLINKTEST', '-aec', aet, '-to', '10', '-k', 'QueryRetrieveLevel=STUDY', '-k', `AccessionNumber=${accession}`, '-k', 'StudyInstanceUID', '-X', '-od', dir, '127.0.0.1', String(port)], { timeout: 30_000 });
    const uids: string[] = [];
    for (const f of (await readdir(dir)).sort()) {
      const { stdout } = await run('dcmdump', ['+P', '0020,000d', join(dir, f)]);
      const m = /\[([0-9.]+)\s*\]/.exec(stdout);
      if (m?.[1]) uids.push(m[1]);
    }
    return uids;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A fresh UID under the 2.25 (UUID) arc. */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomBytes(16).toString('hex')}`).toString()}`;
}

export interface TestStudy {
  studyInstanceUid: string;
  seriesInstanceUids: string[];
  sopInstanceUids: string[];
  /** The written files, series by series. */
  paths: string[];
}

export interface TestStudyOptions {
  accession?: string;
  series?: number;
  instancesPerSeries?: number;
  patientName?: string;
  patientId?: string;
  modality?: string;
}

/** CT Image Storage. */
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/**
 * Writes a small synthetic study (8x8 pixels per instance, fresh UIDs) into `dir` with the project's
 * dcmjs writer, one file per instance.
 */
export async function writeTestStudy(dir: string, opts: TestStudyOptions = {}): Promise<TestStudy> {
  const study: TestStudy = { studyInstanceUid: newUid(), seriesInstanceUids: [], sopInstanceUids: [], paths: [] };
  const folder = join(dir, study.studyInstanceUid);
  await mkdir(folder, { recursive: true });
  for (let s = 0; s < (opts.series ?? 1); s++) {
    const seriesInstanceUid = newUid();
    study.seriesInstanceUids.push(seriesInstanceUid);
    for (let i = 0; i < (opts.instancesPerSeries ?? 1); i++) {
      const sopInstanceUid = newUid();
      const bytes = writeDicomPart10({
        sopClassUid: CT_IMAGE_STORAGE, sopInstanceUid, studyInstanceUid: study.studyInstanceUid, seriesInstanceUid,
        patientName: opts.patientName ?? 'ZZTESTFAMILY^ZZGIVEN', patientId: opts.patientId ?? 'MRN7734921',
        patientBirthDate: '19700102', patientSex: 'F', studyDate: '20240305', studyTime: '101500',
        accessionNumber: opts.accession ?? '', modality: opts.modality ?? 'CT', studyDescription: 'CT CHEST',
        seriesDescription: `SERIES ${s + 1}`, seriesNumber: s + 1, instanceNumber: i + 1,
      });
      const path = join(folder, `${s + 1}-${i + 1}.dcm`);
      await writeFile(path, bytes);
      study.sopInstanceUids.push(sopInstanceUid);
      study.paths.push(path);
    }
  }
  return study;
}

/** What the proxy does with `POST /studies/{id}/modify` from now on. */
export type ModifyAnswer = 'forward' | 'unavailable' | 'reject';

export interface OrthancProxy {
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** Bodies of the modify requests that reached the proxy, answered or forwarded, in order. */
  readonly modifies: readonly string[];
  /** `forward` (default); `unavailable` answers 503, `reject` answers 400, without forwarding. */
  answerModify(answer: ModifyAnswer): void;
  close(): Promise<void>;
}

/** An HTTP proxy in front of Orthanc (node:http) that records modify calls and can fail them on demand. */
export async function startOrthancProxy(upstream: string): Promise<OrthancProxy> {
  const modifies: string[] = [];
  let answer: ModifyAnswer = 'forward';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? '/';
      if (req.method === 'POST' && /^\/studies\/[^/]+\/modify$/.test(url)) {
        modifies.push(body.toString('utf8'));
        if (answer !== 'forward') {
          res.writeHead(answer === 'unavailable' ? 503 : 400, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ Message: 'injected by the test proxy', Details: body.toString('utf8') }));
          return;
        }
      }
      const up = http.request(`${upstream}${url}`, { method: req.method, headers: req.headers }, (ur) => {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
      });
      up.on('error', () => res.destroy());
      up.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    modifies,
    answerModify: (a) => { answer = a; },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
