//! Renders a Word document to PDF with the built-in engine: `render_pdf IN.docx OUT.pdf`.
//! Prints the warnings; with `--markup`, also writes the typst markup beside the PDF.

use std::collections::HashMap;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (input, output) = match args.as_slice() {
        [input, output, ..] => (input, output),
        _ => return Err("usage: render_pdf IN.docx OUT.pdf [--markup]".into()),
    };
    let docx = std::fs::read(input)?;
    let converted = partnerdocs::pdf::convert_docx(&docx)?;
    if args.iter().any(|a| a == "--markup") {
        std::fs::write(format!("{output}.typ"), &converted.markup)?;
    }
    let mut options = partnerdocs::pdf::PdfOptions::new(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3).ok_or("date")?,
    );
    options.files = converted
        .files
        .iter()
        .map(|(name, bytes)| (name.clone(), partnerdocs::pdf::Bytes::new(bytes.clone())))
        .collect::<HashMap<_, _>>();
    let started = std::time::Instant::now();
    let rendered = partnerdocs::pdf::render_pdf(&converted.markup, &options)?;
    eprintln!("{} pages in {:?}", rendered.pages, started.elapsed());
    for warning in converted.warnings.iter().chain(&rendered.warnings) {
        eprintln!("warning: {warning}");
    }
    std::fs::write(output, rendered.pdf)?;
    Ok(())
}
