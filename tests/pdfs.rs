//! `partnerdocs run` writing a PDF ready for signature beside each Word document:
//! signature fields over the signature lines, document properties, `--no-pdf`, and
//! signed PDFs kept.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use lopdf::{Document, Object};
use support::workspace::{have, partnerdocs, repo, stderr, stdout, summary, workspace};

const AS_OF: &str = "2026-12-03";

fn formats_workspace() -> tempfile::TempDir {
    workspace(&[repo("tests/fixtures/formats/partnerships.xlsx")])
}

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["run", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    partnerdocs(dir, &args)
}

/// A signature field: its name, page (from 1) and rectangle.
#[derive(Debug)]
struct Field {
    name: String,
    page: u32,
    rect: [f32; 4],
}

/// The form fields of a PDF with `/FT /Sig`, read with lopdf.
fn signature_fields(pdf: &[u8]) -> Vec<Field> {
    let document = Document::load_mem(pdf).unwrap();
    let catalog = document.catalog().unwrap();
    let form = match catalog.get(b"AcroForm").unwrap() {
        Object::Reference(id) => document.get_dictionary(*id).unwrap(),
        Object::Dictionary(form) => form,
        other => panic!("AcroForm is {other:?}"),
    };
    let pages: HashMap<_, _> =
        document.get_pages().into_iter().map(|(number, id)| (id, number)).collect();
    let mut fields = Vec::new();
    for field in form.get(b"Fields").unwrap().as_array().unwrap() {
        let field = document.get_dictionary(field.as_reference().unwrap()).unwrap();
        if field.get(b"FT").unwrap().as_name().unwrap() != b"Sig" {
            continue;
        }
        let rect: Vec<f32> = field
            .get(b"Rect")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_float().unwrap())
            .collect();
        fields.push(Field {
            name: String::from_utf8(field.get(b"T").unwrap().as_str().unwrap().to_vec())
                .unwrap(),
            page: pages[&field.get(b"P").unwrap().as_reference().unwrap()],
            rect: [rect[0], rect[1], rect[2], rect[3]],
        });
    }
    fields
}

/// A document-information entry as text.
fn info(pdf: &[u8], key: &str) -> String {
    let document = Document::load_mem(pdf).unwrap();
    let id = document.trailer.get(b"Info").unwrap().as_reference().unwrap();
    let value = document.get_dictionary(id).unwrap().get(key.as_bytes()).unwrap();
    lopdf::decode_text_string(value).unwrap()
}

/// The words on `page` drawn as underscores (signature lines), as PDF rectangles
/// (origin bottom left), from poppler's `pdftotext -bbox`.
fn signature_lines(pdf: &Path, page: u32, page_height: f32) -> Vec<[f32; 4]> {
    let page = page.to_string();
    let output = Command::new("pdftotext")
        .args(["-bbox", "-f", &page, "-l", &page])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    let html = String::from_utf8(output.stdout).unwrap();
    let number = |line: &str, key: &str| -> f32 {
        let start = line.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
        line[start..].split('"').next().unwrap().parse().unwrap()
    };
    html.lines()
        .filter(|line| line.contains("<word") && line.contains(">____"))
        .map(|line| {
            let (x0, y0) = (number(line, "xMin"), number(line, "yMin"));
            let (x1, y1) = (number(line, "xMax"), number(line, "yMax"));
            [x0, page_height - y1, x1, page_height - y0]
        })
        .collect()
}

#[test]
fn each_signer_gets_a_signature_field_over_their_line() {
    let dir = formats_workspace();
    let output = run(dir.path(), &[]);
    assert!(output.status.code().is_some_and(|c| c <= 1), "{}", stderr(&output));
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let row = rows.iter().find(|r| r["partnership_id"] == "FMT-005").unwrap();

    for column in ["moa_pdf", "matrix_pdf"] {
        let path = outputs.join(&row[column]);
        let pdf = std::fs::read(&path).unwrap();
        let fields = signature_fields(&pdf);
        let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["district", "partner"], "{column}");

        if !have("pdftotext") {
            eprintln!("skipped the field positions: poppler-utils is not installed");
            continue;
        }
        let last = Document::load_mem(&pdf).unwrap().get_pages().len() as u32;
        let lines = signature_lines(&path, last, 792.0);
        for field in &fields {
            assert_eq!(
                field.page, last,
                "{column}: {} is on the signature page",
                field.name
            );
            let [left, bottom, right, top] = field.rect;
            let over_a_line = lines.iter().any(|line| {
                (line[0] - left).abs() < 1.0
                    && (line[2] - right).abs() < 1.0
                    && bottom <= line[1] + 1.0
                    && top > line[3]
            });
            assert!(over_a_line, "{column}: {field:?} is not over a line of {lines:?}");
        }
    }
}

#[test]
fn pdfs_carry_the_document_properties() {
    let dir = formats_workspace();
    run(dir.path(), &[]);
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let row = rows.iter().find(|r| r["partnership_id"] == "FMT-005").unwrap();

    let moa = std::fs::read(outputs.join(&row["moa_pdf"])).unwrap();
    assert_eq!(
        info(&moa, "Title"),
        format!("Memorandum of Agreement: {}", row["partner_name"])
    );
    assert_eq!(info(&moa, "Subject"), "FMT-005");
    assert_eq!(info(&moa, "Author"), "Riverside Unified School District");
    assert!(
        info(&moa, "CreationDate").starts_with("D:20261203"),
        "{}",
        info(&moa, "CreationDate")
    );
    let matrix = std::fs::read(outputs.join(&row["matrix_pdf"])).unwrap();
    assert_eq!(
        info(&matrix, "Title"),
        format!("Decision-Making Matrix: {}", row["partner_name"])
    );
}

#[test]
fn no_pdf_writes_word_files_only_and_a_later_run_adds_the_pdfs() {
    let dir = formats_workspace();
    let output = run(dir.path(), &["--no-pdf"]);
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let partnerships = rows.len();
    assert!(partnerships > 0, "{}", stderr(&output));
    for row in &rows {
        assert_eq!(row["moa_pdf"], "");
        assert_eq!(row["matrix_pdf"], "");
    }
    let pdfs = support::workspace::tree(&outputs)
        .into_iter()
        .filter(|(name, _)| name.ends_with(".pdf"))
        .count();
    assert_eq!(pdfs, 0);

    let output = run(dir.path(), &[]);
    let expected =
        format!("documents: {} written, {} unchanged", 2 * partnerships, 2 * partnerships);
    assert!(stdout(&output).contains(&expected), "{}", stdout(&output));
    for row in summary(&outputs) {
        assert!(outputs.join(&row["moa_pdf"]).is_file());
        assert!(outputs.join(&row["matrix_pdf"]).is_file());
    }
}

#[test]
fn a_signed_pdf_is_kept_and_reported() {
    let dir = formats_workspace();
    run(dir.path(), &[]);
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let path = outputs.join(&rows[0]["moa_pdf"]);

    // Signing appends an incremental update to the file, as a PDF reader does.
    let mut signed = std::fs::read(&path).unwrap();
    signed.extend_from_slice(b"\n% signed by the partner\n");
    std::fs::write(&path, &signed).unwrap();

    let output = run(dir.path(), &[]);
    assert_eq!(std::fs::read(&path).unwrap(), signed);
    assert!(stderr(&output).contains("changed by hand"), "{}", stderr(&output));
}

#[test]
fn an_edited_word_file_gets_its_pdf_made_from_the_edit() {
    let dir = formats_workspace();
    run(dir.path(), &["--no-pdf"]);
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let docx = outputs.join(&rows[0]["moa_docx"]);

    // Staff reword the agreement in Word: the district's name becomes a marker.
    let original = std::fs::read(&docx).unwrap();
    let edited =
        replace_in_document(&original, "Memorandum of Agreement", "Edited Agreement");
    std::fs::write(&docx, &edited).unwrap();

    run(dir.path(), &[]);
    let rows = summary(&outputs);
    let pdf = outputs.join(&rows[0]["moa_pdf"]);
    if have("pdftotext") {
        let text = Command::new("pdftotext").arg(&pdf).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains("Edited Agreement"), "{text}");
    }
    assert_eq!(std::fs::read(&docx).unwrap(), edited, "the edit is kept");
}

/// The `.docx` with `from` replaced by `to` in word/document.xml.
fn replace_in_document(docx: &[u8], from: &str, to: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == "word/document.xml" {
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.contains(from), "{from} is not in the document");
            bytes = text.replacen(from, to, 1).into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[test]
fn the_libreoffice_engine_writes_the_same_documents_with_their_properties() {
    if !have("soffice") {
        eprintln!("skipped: LibreOffice (soffice) is not installed; .ci/run installs it");
        return;
    }
    let dir = formats_workspace();
    let output = run(dir.path(), &["--pdf-engine", "libreoffice"]);
    assert!(output.status.code().is_some_and(|c| c <= 1), "{}", stderr(&output));
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let row = rows.iter().find(|r| r["partnership_id"] == "FMT-005").unwrap();
    let moa = std::fs::read(outputs.join(&row["moa_pdf"])).unwrap();
    assert!(moa.starts_with(b"%PDF-"));
    assert_eq!(info(&moa, "Subject"), "FMT-005");
    assert_eq!(
        info(&moa, "Title"),
        format!("Memorandum of Agreement: {}", row["partner_name"])
    );
    assert!(info(&moa, "CreationDate").starts_with("D:20261203"));
    if have("pdftotext") {
        let text = Command::new("pdftotext")
            .arg(outputs.join(&row["moa_pdf"]))
            .arg("-")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&text.stdout);
        assert!(text.contains(&row["partner_name"]), "{text}");
        assert!(!text.contains("partnerdocs-signature"), "markers stay hidden: {text}");
    }
}

#[test]
fn the_libreoffice_engine_without_libreoffice_is_a_clear_error() {
    let dir = formats_workspace();
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_partnerdocs"))
        .current_dir(dir.path())
        .args(["run", "--as-of", AS_OF, "--pdf-engine", "libreoffice"])
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("LibreOffice"), "{}", stderr(&output));
    assert!(!dir.path().join("outputs/summary.csv").exists(), "nothing is written");
}

/// The text of a PDF, from poppler's `pdftotext`.
fn pdf_text(path: &Path) -> String {
    let output = Command::new("pdftotext").arg(path).arg("-").output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn chinese_and_hmong_partner_names_reach_the_pdf() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    let csv_path = dir.path().join("inputs/summer-programs.csv");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let csv = csv
        .replace("Riverside Public Library Foundation", "河滨华人社区服务中心")
        .replace("Inland Harvest Food Bank", "Lub Koom Haum Hmoob Ntawm Riverside");
    std::fs::write(&csv_path, csv).unwrap();

    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let outputs = dir.path().join("outputs");
    let rows = summary(&outputs);
    let chinese = rows.iter().find(|r| r["partnership_id"] == "RUSD-SUM-01").unwrap();
    let hmong = rows.iter().find(|r| r["partnership_id"] == "RUSD-SUM-02").unwrap();
    assert_eq!(chinese["partner_name"], "河滨华人社区服务中心");
    if !have("pdftotext") {
        eprintln!("skipped: poppler-utils is not installed; .ci/run installs it");
        return;
    }
    let hmong_text = pdf_text(&outputs.join(&hmong["moa_pdf"]));
    assert!(hmong_text.contains("Lub Koom Haum Hmoob Ntawm Riverside"), "{hmong_text}");

    let path = outputs.join(&chinese["moa_pdf"]);
    let fonts = Command::new("pdffonts").arg(&path).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout);
    let has_cjk_font = ["WenQuanYi", "Noto Sans CJK", "NotoSansCJK", "Droid"]
        .iter()
        .any(|name| fonts.replace(' ', "").contains(&name.replace(' ', "")));
    if !has_cjk_font && stderr(&output).contains("no font has a glyph") {
        eprintln!(
            "skipped: no CJK font is installed (.ci/run installs fonts-wqy-microhei)"
        );
        return;
    }
    let text = pdf_text(&path);
    assert!(text.contains("河滨华人社区服务中心"), "{text}");
    assert!(has_cjk_font, "{fonts}");
    // The PDF's title carries the name too.
    let pdf = std::fs::read(&path).unwrap();
    assert_eq!(info(&pdf, "Title"), "Memorandum of Agreement: 河滨华人社区服务中心");
}

#[test]
fn a_script_no_font_covers_is_warned_about_once() {
    let dir = workspace(&[repo("inputs/summer-programs.csv")]);
    let csv_path = dir.path().join("inputs/summer-programs.csv");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    // Pahawh Hmong letters: no font on a usual machine draws them.
    let csv = csv.replace("Summer Reading Camp", "Summer Reading Camp \u{16B00}\u{16B01}");
    std::fs::write(&csv_path, csv).unwrap();

    let output = run(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let err = stderr(&output);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("U+16B00")).collect();
    assert!(!warnings.is_empty(), "{err}");
    assert!(warnings.len() <= 2, "one warning per document kind at most: {warnings:?}");
    assert!(
        warnings.iter().all(|w| w.contains("other PDFs") || w.contains(".pdf")),
        "{warnings:?}"
    );
}
