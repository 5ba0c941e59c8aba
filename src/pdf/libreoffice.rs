//! The optional LibreOffice PDF engine: a fixed pool of headless LibreOffice workers
//! that convert filled Word documents to PDF.
//!
//! Each worker is one office process with a private profile, started once and kept
//! running. A document reaches it the way LibreOffice passes work between its own
//! processes: a second `soffice --convert-to pdf` on the same profile finds the running
//! office through the profile's pipe, hands the job over and waits until the PDF is
//! written. Measured with LibreOffice 7.4, that takes about 0.1 s per agreement where a
//! cold `soffice --convert-to` takes more than 1 s.
//!
//! Four details of LibreOffice shape the code:
//! - an office quits after a handed-over conversion when no document is open in it, so
//!   every worker's office opens a small text file at start and keeps it open (a file
//!   handed over through the pipe later does not keep it alive);
//! - a request handed over while that file is still loading is processed inside the
//!   load, and the office then aborts (in about one start in five with LibreOffice 7.4).
//!   LibreOffice shows no sign that a load has finished, only the lock file it writes
//!   when the load begins, so after the lock file appears the office gets a settling
//!   time (at least 1 s, longer on a slow start) before its warm-up file, must survive
//!   the warm-up, and is started again when it crashes all the same;
//! - a client that finds its office gone or unresponsive converts the document itself
//!   as a standalone office and prints the `convert ...` line the office would have
//!   printed, which is how a worker that failed unseen is noticed and replaced;
//! - the client exits with status 0 whether or not a PDF was written, so success is a
//!   PDF on disk, and LibreOffice's reasons are read from the office's log.
//!
//! A document that runs past its time limit has its client and office killed (whole
//! process groups: `soffice` is a launcher that starts the office as a child), the
//! office restarted on the same profile and the document tried again, up to `attempts`
//! times. A worker that died is restarted before its next document, and every call ends
//! in a PDF or an error.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

use super::PdfError;

/// How long a (re)started office may take to open its keep-open file and convert the
/// warm-up file. A first start also builds the profile; a busy machine needs seconds.
const START_LIMIT: Duration = Duration::from_secs(90);

/// The file every office keeps open, so that it does not quit after a conversion.
const KEEP_OPEN: &str = "keep-open.txt";

/// The lock file LibreOffice writes once it has opened [`KEEP_OPEN`].
const KEEP_OPEN_LOCK: &str = ".~lock.keep-open.txt#";

/// The file converted after every start, to check the office takes work.
const WARM_UP: &str = "warm-up.txt";

/// How long, at least, an office gets to finish loading its keep-open file after the
/// lock file appears; a slower start gets as long as it took to get there.
const SETTLE_MIN: Duration = Duration::from_secs(1);
/// The longest settling time, however slow the start.
const SETTLE_MAX: Duration = Duration::from_secs(10);

/// How long an office must stay up after its warm-up to count as started.
const SURVIVAL_CHECK: Duration = Duration::from_millis(300);

/// How many times a worker's start is tried when the office crashes while starting.
const START_TRIES: usize = 3;

/// What to do when LibreOffice is missing.
const MISSING_HINT: &str = "install it (for example `apt-get install \
     libreoffice-writer-nogui`) or use the built-in engine (leave out --pdf-engine)";

/// Variables that would point the office at another installation, profile or display
/// back end than the one the pool chose.
const INHERITED_ENV: [&str; 4] =
    ["UserInstallation", "URE_BOOTSTRAP", "UNO_PATH", "SAL_USE_VCLPLUGIN"];

/// How the pool is set up.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    /// How many offices convert at once.
    pub workers: usize,
    /// How long one document may take before its worker is killed and restarted.
    pub timeout: Duration,
    /// The LibreOffice program; `None` finds `soffice`, then `libreoffice`, on PATH.
    pub program: Option<PathBuf>,
    /// How many times a document is tried before its error is returned.
    pub attempts: usize,
}

impl Default for PoolOptions {
    /// One worker per core, two minutes and two tries per document.
    fn default() -> Self {
        Self {
            workers: thread::available_parallelism().map_or(2, usize::from),
            timeout: Duration::from_secs(120),
            program: None,
            attempts: 2,
        }
    }
}

/// A fixed pool of headless LibreOffice workers converting Word documents to PDF.
///
/// [`convert`](Self::convert) may be called from many threads at once; at most
/// `workers` documents convert at a time and the other callers wait for a worker.
pub struct LibreOfficePool {
    /// Workers not converting right now.
    idle: Mutex<Vec<Worker>>,
    /// Signalled whenever a worker goes back to `idle`.
    returned: Condvar,
    /// The office process of each worker, by worker number (0 while stopped).
    pids: Vec<AtomicU32>,
    /// The time limit per document, in nanoseconds.
    timeout_nanos: AtomicU64,
    attempts: usize,
    /// Numbers the temporary files, so that LibreOffice's log names each document.
    jobs: AtomicU64,
}

impl LibreOfficePool {
    /// Finds LibreOffice and starts every worker; fails when LibreOffice is missing or
    /// a worker cannot start.
    pub fn start(options: PoolOptions) -> Result<Self, PdfError> {
        let program = find_program(options.program.as_deref())?;
        let count = options.workers.max(1);
        let started = Instant::now();

        let workers = start_workers(&program, count)?;
        info!(
            workers = count,
            program = %program.display(),
            elapsed = ?started.elapsed(),
            "LibreOffice workers started"
        );

        let pids = workers.iter().map(|worker| AtomicU32::new(worker.pid())).collect();
        let pool = Self {
            idle: Mutex::new(workers),
            returned: Condvar::new(),
            pids,
            timeout_nanos: AtomicU64::new(0),
            attempts: options.attempts.max(1),
            jobs: AtomicU64::new(0),
        };
        pool.set_timeout(options.timeout);
        Ok(pool)
    }

    /// Converts one Word document to PDF; `name` only names the document in messages
    /// and temporary files.
    pub fn convert(&self, docx: &[u8], name: &str) -> Result<Vec<u8>, PdfError> {
        let job = self.jobs.fetch_add(1, Ordering::Relaxed);
        let stem = format!("{job:04}-{}", file_stem(name));
        let limit = self.timeout();
        let mut worker = self.check_out();

        let mut tries = 0;
        loop {
            tries += 1;
            let started = Instant::now();
            let outcome = worker
                .ensure_running()
                .and_then(|()| worker.convert(docx, name, &stem, limit));
            self.pids[worker.index].store(worker.pid(), Ordering::Relaxed);

            match outcome {
                Ok(pdf) => {
                    let elapsed = started.elapsed();
                    debug!(document = name, ?elapsed, "converted with LibreOffice");
                    return Ok(pdf);
                }
                Err(failure) if tries < self.attempts => {
                    warn!("{failure}; trying again ({} of {})", tries + 1, self.attempts);
                }
                Err(failure) => return Err(failure.into_pdf_error(tries)),
            }
        }
    }

    /// Changes the time limit for documents converted from now on.
    pub fn set_timeout(&self, timeout: Duration) {
        let nanos = u64::try_from(timeout.as_nanos()).unwrap_or(u64::MAX);
        self.timeout_nanos.store(nanos, Ordering::Relaxed);
    }

    /// The time limit per document.
    pub fn timeout(&self) -> Duration {
        Duration::from_nanos(self.timeout_nanos.load(Ordering::Relaxed))
    }

    /// The process ids of the workers' offices (their launchers, which lead a process
    /// group each), for tests that kill one.
    #[doc(hidden)]
    pub fn worker_pids(&self) -> Vec<u32> {
        let pids = self.pids.iter().map(|pid| pid.load(Ordering::Relaxed));
        pids.filter(|&pid| pid != 0).collect()
    }

    /// Takes an idle worker, waiting for one when all are busy.
    fn check_out(&self) -> CheckedOut<'_> {
        let mut idle = self.lock_idle();
        loop {
            if let Some(worker) = idle.pop() {
                return CheckedOut { pool: self, worker: Some(worker) };
            }
            idle = self.returned.wait(idle).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// The idle workers; a panic elsewhere never leaves them unusable.
    fn lock_idle(&self) -> MutexGuard<'_, Vec<Worker>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Drop for LibreOfficePool {
    /// Kills every office and removes the profiles and temporary files.
    fn drop(&mut self) {
        let workers = std::mem::take(&mut *self.lock_idle());
        debug!(workers = workers.len(), "stopping LibreOffice workers");
        drop(workers);
    }
}

/// A worker taken from the pool; it goes back when dropped, even after a panic.
struct CheckedOut<'a> {
    pool: &'a LibreOfficePool,
    worker: Option<Worker>,
}

impl std::ops::Deref for CheckedOut<'_> {
    type Target = Worker;

    fn deref(&self) -> &Worker {
        self.worker.as_ref().unwrap_or_else(|| unreachable!("a worker is held until drop"))
    }
}

impl std::ops::DerefMut for CheckedOut<'_> {
    fn deref_mut(&mut self) -> &mut Worker {
        self.worker.as_mut().unwrap_or_else(|| unreachable!("a worker is held until drop"))
    }
}

impl Drop for CheckedOut<'_> {
    fn drop(&mut self) {
        if let Some(worker) = self.worker.take() {
            self.pool.lock_idle().push(worker);
            self.pool.returned.notify_one();
        }
    }
}

/// Starts `count` workers side by side; on any failure the started ones are stopped.
fn start_workers(program: &Path, count: usize) -> Result<Vec<Worker>, Failure> {
    let started: Vec<Result<Worker, Failure>> = thread::scope(|scope| {
        let starting: Vec<_> = (0..count)
            .map(|index| scope.spawn(move || Worker::start_new(index, program)))
            .collect();
        starting
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(Failure::Start {
                        program: program.to_path_buf(),
                        reason: "the thread starting it panicked".to_string(),
                    })
                })
            })
            .collect()
    });
    started.into_iter().collect()
}

/// One office with its own profile, and the folder its documents pass through.
///
/// The folder holds `profile/` (also the office's HOME), `tmp/` (its TMPDIR), `jobs/`
/// (documents in and PDFs out), the keep-open and warm-up files, `office.log` (the
/// office's output, kept across restarts) and `client.log` (the last client's output).
struct Worker {
    /// The worker's number, from 0; names it in messages.
    index: usize,
    program: PathBuf,
    /// The worker's folder, removed when the worker is dropped.
    dir: tempfile::TempDir,
    /// The folder's absolute path.
    root: PathBuf,
    /// The running office's launcher, leader of the office's process group.
    office: Option<Child>,
    /// How much of `office.log` was written before the current document.
    log_seen: u64,
}

impl Worker {
    /// Makes a worker's folder and starts its office.
    fn start_new(index: usize, program: &Path) -> Result<Self, Failure> {
        let io_failure = |action: &str, source| Failure::Io {
            action: format!("{action} for LibreOffice worker {index}"),
            source,
        };
        let dir = tempfile::Builder::new()
            .prefix("partnerdocs-office-")
            .tempdir()
            .map_err(|source| io_failure("create a folder", source))?;
        let root = std::path::absolute(dir.path())
            .map_err(|source| io_failure("find the folder", source))?;

        for folder in ["profile", "tmp", "jobs"] {
            fs::create_dir(root.join(folder))
                .map_err(|source| io_failure("create a folder", source))?;
        }
        fs::write(root.join(KEEP_OPEN), "partnerdocs keeps this file open.\n")
            .and_then(|()| fs::write(root.join(WARM_UP), "partnerdocs warm-up\n"))
            .map_err(|source| io_failure("write the start-up files", source))?;

        let program = program.to_path_buf();
        let mut worker = Self { index, program, dir, root, office: None, log_seen: 0 };
        worker.start()?;
        Ok(worker)
    }

    /// (Re)starts the office and waits until it has converted the warm-up file, starting
    /// it again when it crashes on the way.
    fn start(&mut self) -> Result<(), Failure> {
        let mut tries = 0;
        loop {
            tries += 1;
            match self.start_once() {
                Err(failure) if tries < START_TRIES && self.crashed() => {
                    warn!("{failure}; starting LibreOffice worker {} again", self.index);
                }
                outcome => return outcome,
            }
        }
    }

    /// One start: spawn, wait for the keep-open file, let its load finish, warm up.
    fn start_once(&mut self) -> Result<(), Failure> {
        self.stop();

        // A killed office leaves its locks behind.
        remove_if_present(&self.root.join(KEEP_OPEN_LOCK));
        remove_if_present(&self.root.join("profile/.lock"));

        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.root.join("office.log"))
            .and_then(|log| Ok((log.try_clone()?, log)))
            .map_err(|source| {
                self.start_failure(format!("cannot open its log: {source}"))
            })?;
        let log_start = self.log_len();
        let spawned = Instant::now();
        let office = self
            .soffice()
            .args(["--invisible", "--nologo", "--norestore", "--nodefault"])
            .arg(self.root.join(KEEP_OPEN))
            .stdout(log.0)
            .stderr(log.1)
            .spawn()
            .map_err(|source| self.start_failure(source.to_string()))?;
        debug!(worker = self.index, pid = office.id(), "LibreOffice office started");
        self.office = Some(office);

        self.wait_until_ready(log_start)?;
        let settle = spawned.elapsed().clamp(SETTLE_MIN, SETTLE_MAX);
        self.watch(settle, log_start)?;
        self.warm_up()?;
        self.watch(SURVIVAL_CHECK, log_start)?;
        self.log_seen = self.log_len();
        Ok(())
    }

    /// Waits for the office to open its keep-open file.
    fn wait_until_ready(&mut self, log_start: u64) -> Result<(), Failure> {
        let deadline = Instant::now() + START_LIMIT;
        let lock = self.root.join(KEEP_OPEN_LOCK);
        while !lock.exists() {
            if Instant::now() >= deadline {
                let limit = describe(START_LIMIT);
                return Err(self.start_failure(format!("it was not ready after {limit}")));
            }
            self.watch(Duration::from_millis(20), log_start)?;
        }
        Ok(())
    }

    /// Waits `span`, failing as soon as the office exits.
    fn watch(&mut self, span: Duration, log_start: u64) -> Result<(), Failure> {
        let deadline = Instant::now() + span;
        loop {
            if let Some(ended) = self.ended() {
                let said = self.office_said(log_start);
                return Err(self.start_failure(format!("it exited ({ended}): {said}")));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(());
            }
            thread::sleep(left.min(Duration::from_millis(20)));
        }
    }

    /// Whether the office exited by itself (rather than being stopped).
    fn crashed(&mut self) -> bool {
        matches!(self.office.as_mut().map(Child::try_wait), Some(Ok(Some(_))))
    }

    /// Converts the warm-up file, which checks that the office converts and loads
    /// the Writer and PDF code before the first document's time limit starts.
    fn warm_up(&mut self) -> Result<(), Failure> {
        let input = self.root.join(WARM_UP);
        let output = self.root.join("jobs/warm-up.pdf");
        let log_start = self.log_len();

        let handed = self
            .hand_off(&input, START_LIMIT)
            .map_err(|source| self.start_failure(source.to_string()))?;
        let written = output.exists();
        remove_if_present(&output);

        match handed {
            HandOff::TimedOut => {
                self.stop();
                Err(self.start_failure(format!(
                    "it did not convert a test file within {}",
                    describe(START_LIMIT)
                )))
            }
            HandOff::Finished { .. } if !written => {
                let said = self.both_said(log_start);
                Err(self.start_failure(format!("it did not convert a test file: {said}")))
            }
            HandOff::Finished { standalone: true } => {
                warn!(
                    "LibreOffice worker {} converted its test file without the running \
                     office; documents may each pay LibreOffice's start-up",
                    self.index
                );
                Ok(())
            }
            HandOff::Finished { standalone: false } => Ok(()),
        }
    }

    /// Restarts the office when it has died or was stopped.
    fn ensure_running(&mut self) -> Result<(), Failure> {
        match self.ended() {
            None => Ok(()),
            Some(ended) => {
                if self.office.is_some() {
                    let said = self.office_said(self.log_seen);
                    warn!(
                        "LibreOffice worker {} died ({ended}: {said}); restarting it",
                        self.index
                    );
                }
                self.start()
            }
        }
    }

    /// One attempt at converting `docx`, through files named after `stem`.
    fn convert(
        &mut self,
        docx: &[u8],
        document: &str,
        stem: &str,
        limit: Duration,
    ) -> Result<Vec<u8>, Failure> {
        let input = self.root.join("jobs").join(format!("{stem}.docx"));
        let output = input.with_extension("pdf");
        fs::write(&input, docx).map_err(|source| Failure::Io {
            action: format!("write a temporary copy of {document}"),
            source,
        })?;

        let converted = self.convert_file(&input, &output, document, limit);
        remove_if_present(&input);
        remove_if_present(&output);
        self.log_seen = self.log_len();
        converted
    }

    /// Hands `input` to the office and reads the PDF it writes to `output`.
    fn convert_file(
        &mut self,
        input: &Path,
        output: &Path,
        document: &str,
        limit: Duration,
    ) -> Result<Vec<u8>, Failure> {
        let log_start = self.log_len();
        let handed = self.hand_off(input, limit).map_err(|source| Failure::Io {
            action: format!("start LibreOffice to convert {document}"),
            source,
        })?;

        let standalone = match handed {
            HandOff::TimedOut => {
                warn!(
                    "LibreOffice worker {} timed out on {document}; restarting it",
                    self.index
                );
                self.stop();
                return Err(Failure::Timeout { document: document.to_string(), limit });
            }
            HandOff::Finished { standalone } => standalone,
        };

        // The office did not take the job: it died or stopped answering.
        let broken =
            self.ended().or(standalone.then(|| "it stopped answering".to_string()));
        let broken =
            broken.map(|ended| format!("{ended}: {}", self.office_said(log_start)));
        if let Some(ended) = &broken {
            warn!("LibreOffice worker {} failed ({ended}); restarting it", self.index);
            self.stop();
        }

        match (fs::read(output), broken) {
            (Ok(pdf), _) if pdf.starts_with(b"%PDF") => Ok(pdf),
            (Ok(_), _) => Err(Failure::Rejected {
                document: document.to_string(),
                said: "it wrote a file that is not a PDF".to_string(),
            }),
            (Err(_), Some(ended)) => {
                Err(Failure::Died { document: document.to_string(), ended })
            }
            (Err(_), None) => Err(Failure::Rejected {
                document: document.to_string(),
                said: self.both_said(log_start),
            }),
        }
    }

    /// Runs a client that hands `input` to the office, killing it after `limit`.
    fn hand_off(&mut self, input: &Path, limit: Duration) -> io::Result<HandOff> {
        let client_log = File::create(self.root.join("client.log"))?;
        let mut client = self
            .soffice()
            .args(["--invisible", "--nologo", "--norestore", "--convert-to", "pdf"])
            .arg("--outdir")
            .arg(self.root.join("jobs"))
            .arg(input)
            .stdout(client_log.try_clone()?)
            .stderr(client_log)
            .spawn()?;

        if wait_at_most(&mut client, limit).is_none() {
            kill_group(&mut client);
            return Ok(HandOff::TimedOut);
        }
        let said = fs::read(self.root.join("client.log")).unwrap_or_default();
        let said = String::from_utf8_lossy(&said);
        Ok(HandOff::Finished {
            standalone: said.lines().any(|l| l.starts_with("convert ")),
        })
    }

    /// A LibreOffice command on this worker's profile, in a process group of its own.
    fn soffice(&self) -> Command {
        let profile = self.root.join("profile");
        let mut command = Command::new(&self.program);
        command
            .arg(format!("-env:UserInstallation={}", file_url(&profile)))
            .arg("--headless")
            .current_dir(&self.root)
            .env("HOME", &profile)
            .env("TMPDIR", self.root.join("tmp"))
            .stdin(Stdio::null())
            .process_group(0);
        for name in INHERITED_ENV {
            command.env_remove(name);
        }
        command
    }

    /// How the office ended; `None` while it runs.
    fn ended(&mut self) -> Option<String> {
        match self.office.as_mut().map(Child::try_wait) {
            None => Some("it was stopped".to_string()),
            Some(Ok(None)) => None,
            Some(Ok(Some(status))) => Some(describe_status(status)),
            Some(Err(err)) => Some(format!("its state cannot be read: {err}")),
        }
    }

    /// Kills the office and everything it started.
    fn stop(&mut self) {
        if let Some(mut office) = self.office.take() {
            kill_group(&mut office);
        }
    }

    /// The office's process id, 0 when stopped.
    fn pid(&self) -> u32 {
        self.office.as_ref().map_or(0, Child::id)
    }

    /// The length of the office's log, where the next document's messages start.
    fn log_len(&self) -> u64 {
        fs::metadata(self.root.join("office.log")).map_or(0, |meta| meta.len())
    }

    /// What the office printed since `log_start`.
    fn office_said(&self, log_start: u64) -> String {
        messages(&read_from(&self.root.join("office.log"), log_start))
    }

    /// What the office printed since `log_start` and what the last client printed.
    fn both_said(&self, log_start: u64) -> String {
        let office = read_from(&self.root.join("office.log"), log_start);
        let client = read_from(&self.root.join("client.log"), 0);
        messages(&format!("{office}\n{client}"))
    }

    fn start_failure(&self, reason: String) -> Failure {
        Failure::Start { program: self.program.clone(), reason }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.stop();
        let dir = self.dir.path().display();
        debug!(worker = self.index, %dir, "LibreOffice worker stopped");
    }
}

/// How a hand-off ended.
enum HandOff {
    /// The client exited; `standalone` when it converted without the running office.
    Finished { standalone: bool },
    /// The client ran past its limit and was killed.
    TimedOut,
}

/// Why LibreOffice could not start or convert a document.
#[derive(Debug, thiserror::Error)]
enum Failure {
    /// No LibreOffice program where it was looked for.
    #[error("LibreOffice was not found{}: {}", located(.program.as_deref()), MISSING_HINT)]
    NotFound { program: Option<PathBuf> },
    /// An office did not start or did not convert its test file.
    #[error("failed to start LibreOffice ({}): {reason}", .program.display())]
    Start { program: PathBuf, reason: String },
    /// A document ran past its time limit.
    #[error("failed to convert {document} to PDF: timed out after {}", describe(*.limit))]
    Timeout { document: String, limit: Duration },
    /// The office died, or stopped answering, while it had the document.
    #[error("failed to convert {document} to PDF: the LibreOffice worker died ({ended})")]
    Died { document: String, ended: String },
    /// The office ran but wrote no PDF.
    #[error("failed to convert {document} to PDF: {said}")]
    Rejected { document: String, said: String },
    /// A temporary file could not be written or a client could not start.
    #[error("failed to {action}: {source}")]
    Io { action: String, source: io::Error },
}

impl Failure {
    /// The pool's error, saying how often the document was tried.
    fn into_pdf_error(self, tries: usize) -> PdfError {
        let mut message = self.to_string();
        if tries > 1 {
            let _ = write!(message, " (tried {tries} times)");
        }
        PdfError::Internal { message }
    }
}

impl From<Failure> for PdfError {
    fn from(failure: Failure) -> Self {
        failure.into_pdf_error(1)
    }
}

/// The LibreOffice program: the configured one, else `soffice` or `libreoffice` on
/// PATH. A configured bare name is looked up on PATH too.
fn find_program(configured: Option<&Path>) -> Result<PathBuf, Failure> {
    let found = match configured {
        Some(path) if path.components().count() > 1 => {
            is_executable(path).then(|| path.to_path_buf())
        }
        Some(name) => search_path(name),
        None => {
            ["soffice", "libreoffice"].into_iter().find_map(|n| search_path(Path::new(n)))
        }
    };
    found.ok_or_else(|| Failure::NotFound { program: configured.map(Path::to_path_buf) })
}

/// The first executable file called `name` in a PATH folder.
fn search_path(name: &Path) -> Option<PathBuf> {
    let folders = std::env::var_os("PATH")?;
    std::env::split_paths(&folders)
        .map(|folder| folder.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// " at PATH" for a configured program, nothing for the PATH search.
fn located(program: Option<&Path>) -> String {
    program.map(|program| format!(" at {}", program.display())).unwrap_or_default()
}

/// Waits for `child` to exit, at most `limit`; `None` when it is still running.
fn wait_at_most(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + limit;
    let mut pause = Duration::from_millis(1);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        thread::sleep(pause.min(left));
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Kills `child`'s process group, then the child, and reaps it.
///
/// `soffice` is a launcher whose office runs as its child, and std can signal only the
/// launcher; `kill` with a negative id reaches the whole group. The group is signalled
/// before the leader is reaped, so its id cannot have been reused.
// TODO: signal the group with rustix::process::kill_process_group once rustix's
// "process" feature is enabled, instead of running sh.
fn kill_group(child: &mut Child) {
    let group = format!("-{}", child.id());
    let _ = Command::new("sh")
        .args(["-c", r#"kill -s KILL -- "$1""#, "sh", &group])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    let _ = child.kill();
    let _ = child.wait();
}

/// A `file://` URL for an absolute path, as LibreOffice's `UserInstallation` wants.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            let _ = write!(url, "%{byte:02X}");
        }
    }
    url
}

/// A safe file name stem for a document: its name without folders or `.docx`, with
/// only letters, digits, `.`, `-` and `_`, at most 80 characters.
fn file_stem(name: &str) -> String {
    let name = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let name = name.strip_suffix(".docx").unwrap_or(name);
    let stem: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "._-".contains(c) { c } else { '_' })
        .take(80)
        .collect();
    if stem.is_empty() {
        "document".to_string()
    } else {
        stem
    }
}

/// A time limit as people write it: `250 ms`, `2 s`, `1.5 s`.
fn describe(limit: Duration) -> String {
    if limit < Duration::from_secs(1) {
        format!("{} ms", limit.as_millis())
    } else if limit.subsec_nanos() == 0 {
        format!("{} s", limit.as_secs())
    } else {
        format!("{:.1} s", limit.as_secs_f64())
    }
}

/// An exit status in words: `exit status: 1`, `killed by signal 9`.
fn describe_status(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status.signal() {
        Some(signal) => format!("killed by signal {signal}"),
        None => status.to_string(),
    }
}

/// LibreOffice's messages on one line, without the lines every conversion prints.
fn messages(text: &str) -> String {
    let said: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .filter(|line| !line.starts_with("convert ") && !line.starts_with("Overwriting"))
        .filter(|line| !line.contains("javaldx"))
        .collect();
    if said.is_empty() {
        "LibreOffice gave no reason".to_string()
    } else {
        said.join("; ")
    }
}

/// A file's text from byte `start` on; empty when it cannot be read.
fn read_from(path: &Path, start: u64) -> String {
    let mut bytes = Vec::new();
    let read = File::open(path)
        .and_then(|mut file| file.seek(SeekFrom::Start(start)).map(|_| file))
        .and_then(|mut file| file.read_to_end(&mut bytes));
    match read {
        Ok(_) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => String::new(),
    }
}

fn remove_if_present(path: &Path) {
    if let Err(err) = fs::remove_file(path) {
        if err.kind() != io::ErrorKind::NotFound {
            debug!(path = %path.display(), "failed to remove a temporary file: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<LibreOfficePool>();
    }

    #[test]
    fn a_missing_program_names_the_fix() {
        let message = find_program(Some(Path::new("/nonexistent/soffice")))
            .map(|_| ())
            .map_err(|failure| failure.to_string());
        assert_eq!(
            message,
            Err("LibreOffice was not found at /nonexistent/soffice: install it (for \
                 example `apt-get install libreoffice-writer-nogui`) or use the built-in \
                 engine (leave out --pdf-engine)"
                .to_string())
        );
    }

    #[test]
    fn a_bare_program_name_is_looked_up_on_path() {
        assert!(find_program(Some(Path::new("sh"))).is_ok_and(|p| p.is_absolute()));
        let missing = find_program(Some(Path::new("no-such-office-program")));
        assert!(matches!(missing, Err(Failure::NotFound { .. })));
    }

    #[test]
    fn a_program_that_is_not_libreoffice_fails_to_start() {
        let Ok(program) = find_program(Some(Path::new("true"))) else {
            return eprintln!("skipped: no `true` on PATH");
        };
        let failure = Worker::start_new(0, &program).map(|_| ()).map_err(|f| f.to_string());
        let message = failure.err().unwrap_or_default();
        assert!(message.starts_with("failed to start LibreOffice ("), "{message}");
        assert!(message.contains("it exited (exit status: 0)"), "{message}");
    }

    #[test]
    fn profile_urls_escape_what_urls_cannot_hold() {
        assert_eq!(file_url(Path::new("/tmp/a b/p%1")), "file:///tmp/a%20b/p%251");
        assert_eq!(file_url(Path::new("/tmp/.tmpX_1-~")), "file:///tmp/.tmpX_1-~");
    }

    #[test]
    fn file_stems_keep_only_safe_characters() {
        assert_eq!(file_stem("outputs/MOA P-001 (Hillside).docx"), "MOA_P-001__Hillside_");
        assert_eq!(file_stem("--help"), "--help");
        assert_eq!(file_stem(""), "document");
        assert_eq!(file_stem(&"é".repeat(100)).len(), 80);
    }

    #[test]
    fn limits_read_the_way_people_write_them() {
        assert_eq!(describe(Duration::from_millis(1)), "1 ms");
        assert_eq!(describe(Duration::from_secs(120)), "120 s");
        assert_eq!(describe(Duration::from_millis(1500)), "1.5 s");
    }
}
