//! The command line: arguments, the checked settings built from them, and the subcommands.

mod check;
pub mod run;
mod score;
mod templates;
mod watch;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};

use crate::config::{Config, PdfEngineKind};

/// Turns school-community partnership intake spreadsheets into signature-ready agreements.
#[derive(Debug, Parser)]
#[command(name = "partnerdocs", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    #[command(flatten)]
    common: CommonArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read every spreadsheet, score each partnership and write the outputs.
    Run,
    /// Check the inputs and templates and report every problem; write nothing.
    Check,
    /// Print each partnership's rubric scores, level and flags.
    Score(score::ScoreArgs),
    /// List every tag each template uses and check it against the fields.
    Templates,
    /// Run once, then again whenever a spreadsheet in the inputs folder is added, changed
    /// or removed; Ctrl-C stops between runs.
    Watch(watch::WatchArgs),
    /// Renders the Word file on stdin to a PDF on stdout (used by partnerdocs itself).
    #[command(hide = true)]
    RenderPdf(crate::pdf::worker::RenderArgs),
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
struct CommonArgs {
    /// Folder of intake spreadsheets.
    #[arg(long, global = true, value_name = "DIR", default_value = "inputs")]
    inputs: PathBuf,
    /// Folder the outputs are written to.
    #[arg(long, global = true, value_name = "DIR", default_value = "outputs")]
    outputs: PathBuf,
    /// Folder of Word templates.
    #[arg(long, global = true, value_name = "DIR", default_value = "templates")]
    templates: PathBuf,
    /// Configuration file [default: partnerdocs.toml when present, else built-in defaults].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// How many threads to use [default: one per core].
    #[arg(long, short = 'j', global = true, value_name = "N")]
    jobs: Option<std::num::NonZeroUsize>,
    /// The date the run treats as today, as YYYY-MM-DD [default: today].
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_as_of)]
    as_of: Option<NaiveDate>,
    /// Write Word documents only, no PDFs.
    #[arg(long, global = true)]
    no_pdf: bool,
    /// How PDFs are made: `native` (built in) or `libreoffice` [default: from the
    /// configuration, native].
    #[arg(long, global = true, value_name = "ENGINE")]
    pdf_engine: Option<PdfEngineKind>,
    /// Fill every document again, and replace files staff changed by hand.
    #[arg(long, global = true)]
    force: bool,
    /// Say more: -v for each file and decision, -vv for everything.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    verbose: u8,
    /// Print only errors.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("`{text}` is not a date; write it as 2027-01-15"))
}

/// Everything a subcommand needs, checked before any work starts.
#[derive(Debug)]
pub struct Settings {
    pub inputs: PathBuf,
    pub outputs: PathBuf,
    pub templates: PathBuf,
    pub config: Config,
    pub as_of: NaiveDate,
    pub pdf: bool,
    pub force: bool,
    pub quiet: bool,
}

/// How a run ended, as the process exit code documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every row was accepted.
    Clean = 0,
    /// Some rows were rejected; the rest were processed.
    Rejected = 1,
    /// Nothing could be done.
    Failed = 2,
}

impl From<Outcome> for ExitCode {
    fn from(outcome: Outcome) -> ExitCode {
        ExitCode::from(outcome as u8)
    }
}

/// Parses the command line, runs the subcommand and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.common);
    // The child process a run starts needs no settings of its own.
    if let Command::RenderPdf(args) = &cli.command {
        return crate::pdf::worker::serve(args);
    }
    crate::pdf::worker::allow_child_processes();
    let settings = match settings(cli.common) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("error: {err:#}");
            return Outcome::Failed.into();
        }
    };
    let result = match cli.command {
        Command::Run => run::run(&settings),
        Command::Check => check::check(&settings),
        Command::Score(args) => score::score(&settings, &args),
        Command::Templates => templates::templates(&settings),
        Command::Watch(args) => watch::watch(&settings, &args),
        Command::RenderPdf(args) => return crate::pdf::worker::serve(&args),
    };
    match result {
        Ok(outcome) => outcome.into(),
        Err(err) => {
            eprintln!("error: {err:#}");
            Outcome::Failed.into()
        }
    }
}

/// Turns the raw flags and the configuration file into checked settings.
fn settings(args: CommonArgs) -> anyhow::Result<Settings> {
    let mut config = Config::load(args.config.as_deref())?;
    if let Some(engine) = args.pdf_engine {
        config.pdf.engine = engine;
    }
    tracing::debug!(origin = %config.origin, "configuration loaded");
    if let Some(jobs) = args.jobs {
        rayon::ThreadPoolBuilder::new().num_threads(jobs.get()).build_global()?;
    }
    tracing::debug!(threads = rayon::current_num_threads(), "thread pool ready");
    Ok(Settings {
        inputs: args.inputs,
        outputs: args.outputs,
        templates: args.templates,
        config,
        as_of: args.as_of.unwrap_or_else(|| chrono::Local::now().date_naive()),
        pdf: !args.no_pdf,
        force: args.force,
        quiet: args.quiet,
    })
}

/// Logs go to standard error: milestones by default, each file and decision with -v,
/// errors only with -q. `PARTNERDOCS_LOG` (e.g. `debug`) overrides the flags.
fn init_logging(args: &CommonArgs) {
    let level = match (args.quiet, args.verbose) {
        (true, _) => "error",
        (false, 0) => "info",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("PARTNERDOCS_LOG")
        .unwrap_or_else(|_| {
            tracing_subscriber::EnvFilter::new(format!("partnerdocs={level}"))
        });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .with_target(false)
        .init();
}
