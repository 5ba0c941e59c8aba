//! Rendering a document in a child process, while the run goes on with other work.
//!
//! A long document, such as a Board attachment listing hundreds of partnerships, is
//! typeset on one thread. Typst's caches belong to the whole process. If the long
//! document were rendered beside the agreements in the same process, the agreements'
//! cache trims would throw away its first layout pass before its second pass needs it.
//! In a process of its own, it keeps its cache, and both of the run's cores stay busy.
//!
//! The child is the `partnerdocs` binary itself, run as `partnerdocs render-pdf`: the
//! Word file goes in on stdin, the PDF comes out on stdout, and a line of JSON on stderr
//! carries the warnings or the error.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::config::{PdfConfig, PdfEngineKind};
use crate::pdf::{DocumentInfo, PdfMaker, Rendered};

/// Whether this process's executable answers `render-pdf` (set by the `partnerdocs`
/// binary; a program that only links the library renders in its own process).
static CHILDREN_ALLOWED: AtomicBool = AtomicBool::new(false);

/// Lets [`Queue::new`] run renders in child processes of this executable.
pub fn allow_child_processes() {
    CHILDREN_ALLOWED.store(true, Ordering::Relaxed);
}

/// Renders documents in child processes, one after another on a thread of its own.
pub struct Queue {
    jobs: mpsc::Sender<Job>,
}

/// One document for the queue, and where its result goes.
struct Job {
    docx: Vec<u8>,
    info: DocumentInfo,
    fonts: Vec<PathBuf>,
    reply: mpsc::Sender<Result<Rendered, String>>,
}

/// A render waiting in the queue or under way in a child process.
pub struct Pending {
    result: mpsc::Receiver<Result<Rendered, String>>,
}

impl Pending {
    /// Waits for the child. `Err` says why no PDF came back; rendering again in this
    /// process gives the same result, or the same error.
    ///
    /// The PDF's signature fields are in it as usual, but [`Rendered::signatures`] comes
    /// back empty.
    pub fn wait(self) -> Result<Rendered, String> {
        self.result
            .recv()
            .unwrap_or_else(|_| Err("the queue of child processes stopped".into()))
    }
}

impl Queue {
    /// A queue, when child processes are allowed in this process.
    pub fn new() -> Option<Queue> {
        if !CHILDREN_ALLOWED.load(Ordering::Relaxed) {
            return None;
        }
        let (jobs, queued) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("pdf-children".into())
            .spawn(move || {
                for job in queued {
                    let result = render_in_child(&job.docx, &job.info, &job.fonts);
                    // The waiter may have gone; then nobody needs the result.
                    let _ = job.reply.send(result);
                }
            })
            .ok()?;
        Some(Queue { jobs })
    }

    /// Queues `docx` for rendering with the built-in engine and these extra fonts.
    pub fn add(&self, docx: Vec<u8>, info: &DocumentInfo, fonts: &[PathBuf]) -> Pending {
        let (reply, result) = mpsc::channel();
        let job = Job { docx, info: info.clone(), fonts: fonts.to_vec(), reply };
        // A send fails only when the thread is gone; `wait` then reports it.
        let _ = self.jobs.send(job);
        Pending { result }
    }
}

/// What the child reports on stderr.
#[derive(Debug, Serialize, Deserialize)]
struct Report {
    pages: usize,
    warnings: Vec<String>,
    error: Option<String>,
}

/// Runs `partnerdocs render-pdf` on `docx` and waits for its PDF.
fn render_in_child(
    docx: &[u8],
    info: &DocumentInfo,
    fonts: &[PathBuf],
) -> Result<Rendered, String> {
    let exe = std::env::current_exe()
        .map_err(|err| format!("failed to find partnerdocs itself: {err}"))?;
    let mut command = Command::new(exe);
    // The child only grows until it exits: memory it frees is better kept for reuse
    // than handed back to the system and asked for again (unless the user said otherwise).
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        command.env("MIMALLOC_PURGE_DELAY", "-1");
    }
    // `--name=value`, so that a value starting with a dash stays a value.
    command.args(["-q", "render-pdf"]).args([
        format!("--title={}", info.title),
        format!("--subject={}", info.subject),
        format!("--author={}", info.author),
        format!("--ident={}", info.ident),
        format!("--date={}", info.as_of.format("%Y-%m-%d")),
    ]);
    for font in fonts {
        let mut arg = std::ffi::OsString::from("--font=");
        arg.push(font);
        command.arg(arg);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("failed to start a child process: {err}"))?;
    // The child reads all of its input before it writes anything.
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(docx)
            .map_err(|err| format!("failed to hand the document to the child: {err}"))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|err| format!("failed to wait for the child: {err}"))?;
    // The report is the last line; anything before it is the child's own logging.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rev().find(|line| !line.trim().is_empty());
    let report: Report = serde_json::from_str(last.unwrap_or_default()).map_err(|_| {
        format!("the child ended ({}) without a report: {}", output.status, stderr.trim())
    })?;
    match report.error {
        Some(error) => Err(error),
        None if output.status.success() => Ok(Rendered {
            pdf: output.stdout,
            pages: report.pages,
            warnings: report.warnings,
            signatures: Vec::new(),
        }),
        None => Err(format!("the child ended with {}", output.status)),
    }
}

/// The child's arguments: the document's properties and the extra fonts.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    #[arg(long)]
    title: String,
    #[arg(long)]
    subject: String,
    #[arg(long)]
    author: String,
    #[arg(long)]
    ident: String,
    #[arg(long)]
    date: NaiveDate,
    #[arg(long = "font")]
    fonts: Vec<PathBuf>,
}

/// The child's side: renders the Word file on stdin to a PDF on stdout.
pub fn serve(args: &RenderArgs) -> ExitCode {
    let outcome = render(args);
    let (report, code) = match outcome {
        Ok((pdf, pages, warnings)) => match std::io::stdout().lock().write_all(&pdf) {
            Ok(()) => (Report { pages, warnings, error: None }, ExitCode::SUCCESS),
            Err(err) => {
                (failed(format!("failed to write the PDF: {err}")), ExitCode::FAILURE)
            }
        },
        Err(error) => (failed(error), ExitCode::FAILURE),
    };
    let line = serde_json::to_string(&report).unwrap_or_default();
    eprintln!("{line}");
    code
}

fn failed(error: String) -> Report {
    Report { pages: 0, warnings: Vec::new(), error: Some(error) }
}

fn render(args: &RenderArgs) -> Result<(Vec<u8>, usize, Vec<String>), String> {
    let mut docx = Vec::new();
    std::io::stdin()
        .read_to_end(&mut docx)
        .map_err(|err| format!("failed to read the document: {err}"))?;
    let config = PdfConfig {
        engine: PdfEngineKind::Native,
        fonts: args.fonts.clone(),
        // Not used by the built-in engine.
        libreoffice_workers: 1,
        libreoffice_timeout_seconds: 1,
    };
    let maker = PdfMaker::new(&config).map_err(|err| err.to_string())?;
    let info = DocumentInfo {
        title: args.title.clone(),
        subject: args.subject.clone(),
        author: args.author.clone(),
        as_of: args.date,
        ident: args.ident.clone(),
    };
    let rendered = maker.render(&docx, &info).map_err(|err| err.to_string())?;
    Ok((rendered.pdf, rendered.pages, rendered.warnings))
}
