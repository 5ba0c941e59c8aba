//! Typesetting threads: every thread that renders gets one of its own, which runs its
//! renders one at a time.
//!
//! Typst lays out pages and table cells in parallel with rayon, in whatever pool it runs
//! in. Called straight from a rayon worker (a batch of documents in `par_iter`), a worker
//! waiting for that layout work picks up another document's whole render and runs it on
//! top of its own stack: hundreds of documents end up open at once, nested on a few
//! stacks, and memory and stack run out. A typesetting thread is a one-thread pool, so
//! typst's parallel steps run inline there; the caller blocks on a channel, which never
//! picks up other work.

use std::any::Any;
use std::cell::OnceCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;

use rayon::{ThreadPool, ThreadPoolBuilder};

/// Stack for a typesetting thread: deeply nested tables recurse deeply.
const STACK_SIZE: usize = 16 << 20;

thread_local! {
    /// This thread's typesetting thread, started on first use.
    static TYPESETTER_THREAD: OnceCell<Result<ThreadPool, String>> = const { OnceCell::new() };
}

/// Runs `job` on this thread's typesetting thread and waits for it; `Err` carries why
/// the job did not finish (the thread could not start, or the job panicked).
pub(crate) fn run<T>(job: impl FnOnce() -> T + Send + 'static) -> Result<T, String>
where
    T: Send + 'static,
{
    let (sender, receiver) = mpsc::sync_channel(1);
    TYPESETTER_THREAD.with(|cell| -> Result<(), String> {
        let pool = cell.get_or_init(start).as_ref().map_err(Clone::clone)?;
        pool.spawn(move || {
            let outcome = panic::catch_unwind(AssertUnwindSafe(job));
            // The caller waits for this; a failed send means it is gone.
            let _ = sender.send(outcome.map_err(|payload| panic_message(&*payload)));
        });
        Ok(())
    })?;

    match receiver.recv() {
        Ok(outcome) => outcome,
        Err(_) => Err("the typesetting thread stopped".to_string()),
    }
}

/// Starts a typesetting thread.
fn start() -> Result<ThreadPool, String> {
    ThreadPoolBuilder::new()
        .num_threads(1)
        .stack_size(STACK_SIZE)
        .thread_name(|_| "typesetter".to_string())
        .build()
        .map_err(|err| format!("failed to start a typesetting thread: {err}"))
}

/// What a panic said, when it said it as text.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message");
    format!("typst panicked: {text}")
}
