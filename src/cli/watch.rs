//! `partnerdocs watch`: run again whenever the spreadsheets in the inputs folder change.
//!
//! Office programs and network copies write a file in several steps, so a run waits until
//! every changed file has kept its size and modification time for a settle period.

use std::collections::BTreeMap;
use std::io::Write;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use clap::Args;
use notify::event::{CreateKind, ModifyKind, RemoveKind};
use notify::{Event, EventKind, PollWatcher, RecommendedWatcher, RecursiveMode, Watcher};
use tracing::{debug, error, info, warn};

use crate::cli::run::run_once;
use crate::cli::{Outcome, Settings};
use crate::intake::{is_input_file, is_visible};

/// Options of `partnerdocs watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// How long a changed spreadsheet must stay the same before a run, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    settle_ms: u64,
    /// Stop after this many runs, the first one included.
    #[arg(long, value_name = "N", hide = true)]
    max_runs: Option<NonZeroUsize>,
}

/// The exit code when a second Ctrl-C stops a run part way: the shell's code for SIGINT.
const INTERRUPTED: i32 = 130;

/// How often the platform watcher is replaced by a look at the folder when it fails.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// What wakes the watch loop.
enum Wake {
    /// The file system reported a change, or the watcher an error.
    Change(notify::Result<Event>),
    /// Ctrl-C was pressed.
    Stop,
}

/// Runs once, then again after each settled batch of changes, until Ctrl-C.
pub fn watch(settings: &Settings, args: &WatchArgs) -> anyhow::Result<Outcome> {
    let (sender, wakes) = mpsc::channel();
    let stop = catch_ctrl_c(sender.clone())?;
    let folders = Folders::new(settings)?;
    let _watcher = start_watcher(&folders.inputs, sender)?;
    info!(folder = %settings.inputs.display(), "watching for changed spreadsheets");

    let settle = Duration::from_millis(args.settle_ms);
    let mut runs = 0;
    loop {
        run_and_log(settings);
        runs += 1;
        if args.max_runs.is_some_and(|max| runs >= max.get()) || stop.load(Ordering::SeqCst)
        {
            break;
        }
        if !wait_for_changes(&folders, &wakes, settle) {
            break;
        }
    }
    info!(runs, "stopped watching");
    Ok(Outcome::Clean)
}

/// Makes the first Ctrl-C stop the watch between runs and a second one stop it at once.
fn catch_ctrl_c(wake: Sender<Wake>) -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    let pressed = Arc::clone(&stop);
    ctrlc::set_handler(move || {
        if pressed.swap(true, Ordering::SeqCst) {
            std::process::exit(INTERRUPTED);
        }
        info!("stopping once the run in progress is done; Ctrl-C again stops at once");
        // The loop may be gone already; then there is nobody left to tell.
        let _ = wake.send(Wake::Stop);
    })
    .context("failed to catch Ctrl-C")?;
    Ok(stop)
}

/// Watches `inputs` with the platform's watcher, or by looking every second if that fails.
fn start_watcher(inputs: &Path, wake: Sender<Wake>) -> anyhow::Result<Box<dyn Watcher>> {
    let native = RecommendedWatcher::new(forward(wake.clone()), notify::Config::default())
        .and_then(|mut watcher| {
            watcher.watch(inputs, RecursiveMode::Recursive).map(|()| watcher)
        });
    match native {
        Ok(watcher) => Ok(Box::new(watcher)),
        Err(err) => {
            warn!("the system's file watcher failed ({err}); looking every second instead");
            let config = notify::Config::default().with_poll_interval(POLL_INTERVAL);
            let mut watcher = PollWatcher::new(forward(wake), config)
                .context("failed to start watching the inputs folder")?;
            watcher
                .watch(inputs, RecursiveMode::Recursive)
                .with_context(|| format!("failed to watch {}", inputs.display()))?;
            Ok(Box::new(watcher))
        }
    }
}

/// A watcher's event handler that passes each event on to the watch loop.
fn forward(wake: Sender<Wake>) -> impl FnMut(notify::Result<Event>) + Send + 'static {
    move |event| {
        // The loop only goes away when the command ends.
        let _ = wake.send(Wake::Change(event));
    }
}

/// Waits for changes to the inputs and for every changed file to settle.
///
/// Returns false when Ctrl-C was pressed first.
fn wait_for_changes(folders: &Folders, wakes: &Receiver<Wake>, settle: Duration) -> bool {
    let tick = (settle / 4).clamp(Duration::from_millis(25), Duration::from_millis(250));
    let mut settling = Settling::default();
    loop {
        let wake = if settling.is_empty() {
            wakes.recv().map_err(|_| RecvTimeoutError::Disconnected)
        } else {
            wakes.recv_timeout(tick)
        };

        let now = Instant::now();
        match wake {
            Ok(Wake::Stop) | Err(RecvTimeoutError::Disconnected) => return false,
            Ok(Wake::Change(Ok(event))) => {
                for path in folders.changed_inputs(&event) {
                    settling.touch(folders.name(&path), path, now);
                }
            }
            Ok(Wake::Change(Err(err))) => {
                warn!("the file watcher reported a problem: {err}")
            }
            Err(RecvTimeoutError::Timeout) => {}
        }

        settling.recheck(now);
        if settling.is_settled(now, settle) {
            return true;
        }
    }
}

/// Changed files, each with how it looked and since when, waiting to stay the same.
#[derive(Debug, Default)]
struct Settling {
    files: BTreeMap<PathBuf, (Stamp, Instant)>,
}

/// A file's size and modification time; `None` once it is gone.
type Stamp = Option<(u64, Option<SystemTime>)>;

impl Settling {
    fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Notes a change to `path`: its wait starts again.
    fn touch(&mut self, name: String, path: PathBuf, now: Instant) {
        if self.files.insert(path.clone(), (stamp(&path), now)).is_none() {
            info!(file = %name, "change seen");
        } else {
            debug!(file = %name, "changed again");
        }
    }

    /// Looks at each file again; one whose size or time moved starts its wait again.
    fn recheck(&mut self, now: Instant) {
        for (path, (seen, since)) in &mut self.files {
            let current = stamp(path);
            if current != *seen {
                *seen = current;
                *since = now;
            }
        }
    }

    /// Whether there are changes and every one has stayed the same for `settle`.
    fn is_settled(&self, now: Instant, settle: Duration) -> bool {
        !self.is_empty()
            && self.files.values().all(|(_, since)| now.duration_since(*since) >= settle)
    }
}

fn stamp(path: &Path) -> Stamp {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().ok()))
}

/// The watched folder and the outputs folder, as the watcher names them.
struct Folders {
    inputs: PathBuf,
    /// Set when the outputs folder lies inside the inputs folder: its changes are a run's own.
    outputs: Option<PathBuf>,
}

impl Folders {
    fn new(settings: &Settings) -> anyhow::Result<Folders> {
        let inputs = settings.inputs.canonicalize().with_context(|| {
            format!("failed to open the inputs folder {}", settings.inputs.display())
        })?;
        // The first run would create it; it must exist now to be compared.
        let outputs = std::fs::create_dir_all(&settings.outputs)
            .and_then(|()| settings.outputs.canonicalize())
            .ok()
            .filter(|outputs| outputs.starts_with(&inputs));
        Ok(Folders { inputs, outputs })
    }

    /// The paths in `event` whose change can change what a run reads.
    fn changed_inputs(&self, event: &Event) -> Vec<PathBuf> {
        if event.need_rescan() {
            // Events were lost; only a new run is sure to see everything.
            return vec![self.inputs.clone()];
        }
        if matches!(event.kind, EventKind::Access(_)) {
            // A run reading the inputs is not a change.
            return Vec::new();
        }
        event.paths.iter().filter(|path| self.is_input(path, event.kind)).cloned().collect()
    }

    /// A spreadsheet, or a folder (which may hold spreadsheets) added, renamed or removed.
    fn is_input(&self, path: &Path, kind: EventKind) -> bool {
        let Ok(relative) = path.strip_prefix(&self.inputs) else {
            return false;
        };
        if self.outputs.as_ref().is_some_and(|outputs| path.starts_with(outputs)) {
            return false;
        }
        let folder = match kind {
            EventKind::Create(CreateKind::Folder)
            | EventKind::Remove(RemoveKind::Folder) => true,
            EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(_)) => path.is_dir(),
            _ => false,
        };
        is_input_file(relative)
            || (folder && is_visible(relative) && !relative.as_os_str().is_empty())
    }

    /// A path as staff know it: relative to the inputs folder, with `/`.
    fn name(&self, path: &Path) -> String {
        let relative = path.strip_prefix(&self.inputs).unwrap_or(path);
        let parts: Vec<_> =
            relative.components().map(|part| part.as_os_str().to_string_lossy()).collect();
        if parts.is_empty() {
            ".".to_string()
        } else {
            parts.join("/")
        }
    }
}

/// One run: its summary printed and added to `runs.log`; a failure is reported, not fatal.
fn run_and_log(settings: &Settings) {
    let header = format!("run at {}", chrono::Local::now().format("%Y-%m-%d %H:%M:%S"));
    info!("starting a run");
    if !settings.quiet {
        println!("{header}");
    }

    let lines = match run_once(settings) {
        Ok(summary) => {
            let lines = summary_lines(&summary);
            if !settings.quiet {
                lines.iter().for_each(|line| println!("{line}"));
                println!();
            }
            lines
        }
        Err(err) => {
            let line = format!("error: {err:#}");
            eprintln!("{line}");
            vec![line]
        }
    };

    let mut text = header + "\n";
    lines.iter().for_each(|line| text += &format!("{line}\n"));
    text += "\n";
    let log = settings.outputs.join("runs.log");
    if let Err(err) = append(&log, &text) {
        error!("failed to add the run to {}: {err}", log.display());
    }
}

/// The summary's lines, with a last line saying when nothing could be done.
fn summary_lines(summary: &crate::cli::run::RunSummary) -> Vec<String> {
    let mut lines = summary.lines();
    if summary.outcome == Some(Outcome::Failed) {
        lines.push(
            "result: nothing was written; the messages printed with the run say why".into(),
        );
    }
    lines
}

/// Adds `text` to the end of the file at `path`, creating it and its folder if need be.
fn append(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_still_growing_is_not_settled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("book.csv");
        std::fs::write(&path, "a").unwrap();
        let start = Instant::now();
        let settle = Duration::from_millis(100);

        let mut settling = Settling::default();
        settling.touch("book.csv".into(), path.clone(), start);
        assert!(!settling.is_settled(start, settle));

        std::fs::write(&path, "ab").unwrap();
        let later = start + settle;
        settling.recheck(later);
        assert!(
            !settling.is_settled(later, settle),
            "the size changed, so the wait restarts"
        );
        assert!(settling.is_settled(later + settle, settle));
    }

    #[test]
    fn lock_hidden_and_other_files_are_not_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let folders = Folders { inputs: dir.path().to_path_buf(), outputs: None };
        let create = EventKind::Create(CreateKind::File);
        let is_input = |name: &str| folders.is_input(&dir.path().join(name), create);

        assert!(is_input("book.xlsx"));
        assert!(is_input("book.decisions.csv"));
        assert!(!is_input("~$book.xlsx"));
        assert!(!is_input(".~lock.book.xlsx#"));
        assert!(!is_input("notes.txt"));
    }

    #[test]
    fn a_run_reading_the_inputs_is_not_a_change() {
        let dir = tempfile::tempdir().unwrap();
        let folders = Folders { inputs: dir.path().to_path_buf(), outputs: None };
        let read = Event::new(EventKind::Access(notify::event::AccessKind::Any))
            .add_path(dir.path().join("book.xlsx"));
        assert!(folders.changed_inputs(&read).is_empty());
    }
}
