//! The LibreOffice PDF engine: a pool of persistent headless LibreOffice workers.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

use std::io::Cursor;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use docx_rs::{Docx, Paragraph, Run};
use partnerdocs::pdf::libreoffice::{LibreOfficePool, PoolOptions};
use support::workspace::{have, repo};

/// Every test starts LibreOffice processes; one test at a time keeps a two-core
/// machine responsive enough for the time limits.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Whether LibreOffice is missing, saying so; CI installs libreoffice-writer-nogui.
fn libreoffice_missing() -> bool {
    let missing = !have("soffice");
    if missing {
        eprintln!("skipped: LibreOffice (soffice) is not installed; .ci/run installs it");
    }
    missing
}

/// Logs the pool's steps when `PARTNERDOCS_LOG` is set (`debug`, say), to see where a
/// slow run spent its time.
fn log_steps() {
    if let Ok(filter) = std::env::var("PARTNERDOCS_LOG") {
        let subscriber =
            tracing_subscriber::fmt().with_env_filter(filter).with_test_writer();
        let _ = subscriber.try_init();
    }
}

fn pool(workers: usize) -> LibreOfficePool {
    log_steps();
    LibreOfficePool::start(PoolOptions { workers, ..PoolOptions::default() }).unwrap()
}

fn moa_template() -> Vec<u8> {
    std::fs::read(repo("templates/moa.docx")).unwrap()
}

/// A one-paragraph Word document.
fn docx_saying(text: &str) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    Docx::new()
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(text)))
        .pack(&mut bytes)
        .unwrap();
    bytes.into_inner()
}

/// A PDF's text, by poppler's pdftotext (whose `--version` exits 1, hence `-v`).
fn text_of(pdf: &[u8]) -> String {
    let have_pdftotext = Command::new("pdftotext").arg("-v").output().is_ok();
    assert!(have_pdftotext, "pdftotext (poppler-utils) is needed to read the PDFs");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

/// Kills a worker's whole process group, the way a crash or the OOM killer would. A
/// worker that has died already needs no killing, so the outcome is not checked.
fn kill_worker(pid: u32) {
    let group = format!("-{pid}");
    let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
}

fn assert_pdf(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF"), "not a PDF: {:?}", &pdf[..pdf.len().min(16)]);
}

#[test]
fn the_moa_template_converts_to_a_pdf_with_its_text() {
    if libreoffice_missing() {
        return;
    }
    let _serial = one_at_a_time();
    let pool = pool(1);

    let pdf = pool.convert(&moa_template(), "moa.docx").unwrap();

    assert_pdf(&pdf);
    let text = text_of(&pdf);
    for expected in ["Memorandum of Agreement", "Parties and Contacts", "{{partner_name}}"]
    {
        assert!(text.contains(expected), "{expected} missing:\n{text}");
    }
}

#[test]
fn four_threads_share_two_workers_and_get_their_own_documents() {
    if libreoffice_missing() {
        return;
    }
    let _serial = one_at_a_time();
    let pool = pool(2);

    let results: Vec<(String, String)> = thread::scope(|scope| {
        let threads: Vec<_> = (0..4)
            .map(|thread| {
                let pool = &pool;
                scope.spawn(move || {
                    (0..3)
                        .map(|n| {
                            let marker = format!("Partnership T{thread}-{n} with Hillside");
                            let name = format!("moa-T{thread}-{n}.docx");
                            let pdf = pool.convert(&docx_saying(&marker), &name).unwrap();
                            assert_pdf(&pdf);
                            (marker, text_of(&pdf))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });

    assert_eq!(results.len(), 12);
    for (marker, text) in &results {
        assert!(text.contains(marker), "{marker} missing:\n{text}");
    }
    assert_eq!(pool.worker_pids().len(), 2);
}

#[test]
fn a_worker_killed_mid_run_is_restarted_and_no_document_is_lost() {
    if libreoffice_missing() {
        return;
    }
    let _serial = one_at_a_time();
    // One worker, so the kill certainly hits the worker every later document needs.
    let pool = pool(1);
    let killed = pool.worker_pids();
    assert_eq!(killed.len(), 1);

    let done = AtomicUsize::new(0);
    let converted: Vec<Result<Vec<u8>, String>> = thread::scope(|scope| {
        let feeders: Vec<_> = (0..2)
            .map(|feeder| {
                let (pool, done) = (&pool, &done);
                scope.spawn(move || {
                    (0..4)
                        .map(|n| {
                            let name = format!("moa-{feeder}-{n}.docx");
                            let pdf = pool.convert(&moa_template(), &name);
                            done.fetch_add(1, Ordering::SeqCst);
                            pdf.map_err(|err| err.to_string())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();

        // Kill while the feeders still have documents queued.
        while done.load(Ordering::SeqCst) < 1 {
            thread::sleep(Duration::from_millis(5));
        }
        kill_worker(killed[0]);
        feeders.into_iter().flat_map(|f| f.join().unwrap()).collect()
    });

    assert_eq!(converted.len(), 8);
    for pdf in converted {
        assert_pdf(&pdf.unwrap());
    }
    let restarted = pool.worker_pids();
    assert_eq!(restarted.len(), 1);
    assert_ne!(restarted, killed, "the killed worker was not replaced");
    assert_pdf(&pool.convert(&moa_template(), "after-the-kill.docx").unwrap());
}

#[test]
fn a_document_past_its_time_limit_fails_by_name_and_the_pool_recovers() {
    if libreoffice_missing() {
        return;
    }
    let _serial = one_at_a_time();
    // No hand-off to LibreOffice finishes within a millisecond, however fast the machine.
    let options = PoolOptions {
        workers: 1,
        timeout: Duration::from_millis(1),
        ..PoolOptions::default()
    };
    let pool = LibreOfficePool::start(options).unwrap();

    let error = pool.convert(&moa_template(), "moa-P-017.docx").unwrap_err().to_string();
    assert!(error.contains("failed to convert moa-P-017.docx to PDF"), "{error}");
    assert!(error.contains("timed out after 1 ms (tried 2 times)"), "{error}");

    pool.set_timeout(Duration::from_secs(120));
    let pdf = pool.convert(&moa_template(), "moa-P-018.docx").unwrap();
    assert!(text_of(&pdf).contains("Memorandum of Agreement"));
}

#[test]
fn a_document_libreoffice_cannot_open_fails_by_name_and_the_pool_goes_on() {
    if libreoffice_missing() {
        return;
    }
    let _serial = one_at_a_time();
    let pool = pool(1);
    let truncated = &moa_template()[..3000];

    let error = pool.convert(truncated, "moa-broken.docx").unwrap_err().to_string();
    assert!(error.contains("failed to convert moa-broken.docx to PDF: "), "{error}");
    assert!(error.contains("source file could not be loaded"), "{error}");

    assert_pdf(&pool.convert(&moa_template(), "moa-after.docx").unwrap());
}

#[test]
fn a_missing_program_says_how_to_install_libreoffice() {
    let options = PoolOptions {
        program: Some("/nonexistent/soffice".into()),
        ..PoolOptions::default()
    };
    let error = LibreOfficePool::start(options).err().unwrap().to_string();
    assert!(error.contains("LibreOffice was not found at /nonexistent/soffice"), "{error}");
    assert!(error.contains("`apt-get install libreoffice-writer-nogui`"), "{error}");
    assert!(error.contains("use the built-in engine (leave out --pdf-engine)"), "{error}");
}

#[test]
fn dropping_the_pool_stops_its_workers_and_removes_their_folders() {
    if libreoffice_missing() {
        return;
    }
    let _serial = one_at_a_time();
    let pool = pool(2);
    let pids = pool.worker_pids();
    let alive = |pid: &u32| Path::new(&format!("/proc/{pid}")).exists();
    // Each office runs in its worker's folder.
    let folders: Vec<_> = pids
        .iter()
        .filter_map(|pid| std::fs::read_link(format!("/proc/{pid}/cwd")).ok())
        .collect();
    assert!(!folders.is_empty() && folders.iter().all(|f| f.join("profile").is_dir()));

    drop(pool);

    assert!(!pids.iter().any(alive), "workers still running: {pids:?}");
    assert!(!folders.iter().any(|folder| folder.exists()), "folders left: {folders:?}");
}

/// Median seconds per document: the shipped MOA through a two-worker pool fed by two
/// threads, against a cold `soffice --convert-to` per document. Run with
/// `cargo test --test libreoffice -- --ignored --nocapture`.
#[test]
#[ignore = "a measurement, not a check"]
fn measure_pool_against_cold_starts() {
    if libreoffice_missing() {
        return;
    }
    let _serial = one_at_a_time();
    const DOCUMENTS: usize = 20;
    let moa = moa_template();

    let started = Instant::now();
    let pool = pool(2);
    let pool_start = started.elapsed();
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let mut pooled: Vec<Duration> = thread::scope(|scope| {
        let feeders: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut times = Vec::new();
                    while next.fetch_add(1, Ordering::SeqCst) < DOCUMENTS {
                        let one = Instant::now();
                        assert_pdf(&pool.convert(&moa, "moa.docx").unwrap());
                        times.push(one.elapsed());
                    }
                    times
                })
            })
            .collect();
        feeders.into_iter().flat_map(|f| f.join().unwrap()).collect()
    });
    let pooled_wall = started.elapsed();
    drop(pool);

    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("moa.docx");
    std::fs::write(&input, &moa).unwrap();
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.path().display());
    let mut cold: Vec<Duration> = (0..DOCUMENTS)
        .map(|_| {
            let one = Instant::now();
            let status = Command::new("soffice")
                .args([profile.as_str(), "--headless", "--convert-to", "pdf", "--outdir"])
                .arg(dir.path().join("out"))
                .arg(&input)
                .env("HOME", dir.path())
                .output()
                .unwrap();
            assert!(status.status.success());
            one.elapsed()
        })
        .collect();

    let median = |times: &mut Vec<Duration>| {
        times.sort();
        times[times.len() / 2].as_secs_f64()
    };
    eprintln!("pool start (2 workers): {:.2} s", pool_start.as_secs_f64());
    eprintln!(
        "pool, 2 workers: median {:.3} s per convert() call, {:.3} s per document \
         by wall clock",
        median(&mut pooled),
        pooled_wall.as_secs_f64() / DOCUMENTS as f64
    );
    eprintln!("cold soffice --convert-to: median {:.3} s per document", median(&mut cold));
}
