//! Renders Word documents to PDF with the built-in engine:
//! `render_pdf IN.docx [IN.docx ...] OUT.pdf [--markup] [--repeat N]`.
//!
//! Prints the warnings; with `--markup`, also writes the typst markup beside the PDF;
//! with `--repeat N`, converts and renders N documents on one thread, taking the inputs
//! in turn, and prints the median time of a render. Give several filled documents to
//! measure what a run costs: typst remembers a document it has seen, so the same one
//! again renders far faster than a new one. OUT.pdf is the last render.

use std::collections::HashMap;
use std::time::{Duration, Instant};

// The allocator partnerdocs itself runs with, so that times match a run's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut paths = Vec::new();
    let (mut repeat, mut markup) = (1, false);
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match arg.as_str() {
            "--markup" => markup = true,
            "--repeat" => repeat = rest.next().ok_or("--repeat needs a count")?.parse()?,
            _ => paths.push(arg.as_str()),
        }
    }
    let Some((output, inputs)) =
        paths.split_last().filter(|(_, inputs)| !inputs.is_empty())
    else {
        return Err(
            "usage: render_pdf IN.docx [IN.docx ...] OUT.pdf [--markup] [--repeat N]"
                .into(),
        );
    };
    let documents =
        inputs.iter().map(std::fs::read).collect::<Result<Vec<Vec<u8>>, _>>()?;
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).ok_or("date")?;

    let mut times: Vec<Duration> = Vec::new();
    let mut last = None;
    for docx in documents.iter().cycle().take(repeat.max(1)) {
        let started = Instant::now();
        let converted = partnerdocs::pdf::convert_docx(docx)?;
        let mut options = partnerdocs::pdf::PdfOptions::new(as_of);
        options.files = converted
            .files
            .iter()
            .map(|(name, bytes)| {
                (name.clone(), partnerdocs::pdf::Bytes::new(bytes.clone()))
            })
            .collect::<HashMap<_, _>>();
        options.pieces = converted.pieces.clone();
        let rendered = partnerdocs::pdf::render_pdf(&converted.markup, &options)?;
        times.push(started.elapsed());
        last = Some((converted, rendered));
    }
    let Some((converted, rendered)) = last else {
        return Err("nothing was rendered".into());
    };
    times.sort();
    eprintln!(
        "{} pages; {} renders, median {:.1} ms (fastest {:.1} ms)",
        rendered.pages,
        times.len(),
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
    );
    if markup {
        std::fs::write(format!("{output}.typ"), &converted.markup)?;
    }
    for warning in converted.warnings.iter().chain(&rendered.warnings) {
        eprintln!("warning: {warning}");
    }
    std::fs::write(output, rendered.pdf)?;
    Ok(())
}
