//! The built-in PDF engine against LibreOffice: the shipped templates, filled for a
//! realistic partnership, and the documents of `tests/fixtures/documents/` come out with
//! the same pages holding the same words in the same order. The built-in engine's PDFs
//! open cleanly in poppler's tools and in LibreOffice, the MOA's first page looks like
//! the template, and broken documents render with a warning that names the problem.
//!
//! LibreOffice (`soffice`) and poppler's tools are needed for most checks; without them
//! a check says so on stderr and passes. CI installs both.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed step fails the test there

mod support;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use chrono::NaiveDate;
use partnerdocs::config::Config;
use partnerdocs::docx::{sample_data, template_data, Template};
use partnerdocs::intake::{DataShared, Money, ProgramScope};
use partnerdocs::pdf::{convert_docx, render_pdf, Bytes, Converted, PdfOptions, Rendered};
use partnerdocs::rubric::assess;
use support::partnership::{date, partnership};

/// The documents compared with LibreOffice, by name: the filled templates first.
const DOCUMENTS: [&str; 7] = [
    "moa",
    "decision-matrix",
    "styles-and-spacing",
    "lists",
    "tables",
    "sections-and-headers",
    "images-links-notes",
];

fn as_of() -> NaiveDate {
    date(2026, 12, 3)
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/documents")
}

/// A Word document of the comparison: a filled template or a fixture.
fn docx(name: &str) -> &'static [u8] {
    static FILES: OnceLock<HashMap<String, Vec<u8>>> = OnceLock::new();
    let documents = FILES.get_or_init(|| {
        let mut documents = filled_templates();
        for name in &DOCUMENTS[2..] {
            let path = fixtures().join(format!("{name}.docx"));
            documents.insert(name.to_string(), std::fs::read(&path).unwrap());
        }
        documents
    });
    &documents[name]
}

/// The MOA and the Decision-Making Matrix filled for a partnership with every field of
/// the intake form answered, the way `partnerdocs run` fills them.
fn filled_templates() -> HashMap<String, Vec<u8>> {
    let config = Config::defaults().unwrap();
    let mut p = partnership();
    p.partnership_id = "RUSD-2026-014".into();
    p.partner_type = Some("Nonprofit museum".into());
    p.partner_contact = Some("Luis Ortega".into());
    p.partner_email = Some("lortega@riversidescience.example.org".into());
    p.partner_phone = Some("(951) 555-0142".into());
    p.partner_address = Some("3580 Mission Inn Avenue\nRiverside, CA 92501".into());
    p.district_lead = "Dana Whitfield".into();
    p.schools = vec![
        "Lincoln Elementary".into(),
        "Adams Middle School".into(),
        "Jefferson Elementary".into(),
    ];
    p.program_description = Some(
        "Museum educators and trained volunteers run hands-on science workshops on \
         Saturday mornings, help students prepare projects for the spring science fair \
         and host a family night at the museum."
            .into(),
    );
    p.district_priorities = vec!["STEM engagement".into(), "Family partnerships".into()];
    p.program_scope = ProgramScope::Enrichment;
    p.start_date = date(2027, 1, 16);
    p.end_date = date(2027, 5, 22);
    p.students_served = 180;
    p.contact_hours_per_week = 2.5;
    p.district_funds = Money(250_000);
    p.partner_funds = Money(800_000);
    p.in_kind_value = Money(150_000);
    p.data_shared = DataShared::Aggregate;
    p.board_meeting = Some(date(2027, 1, 12));

    let assessment = assess(&p, &config);
    let data = template_data(&p, &assessment, &config, as_of());
    let sample = sample_data(&config, as_of());
    let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut filled = HashMap::new();
    for name in ["moa", "decision-matrix"] {
        let template = Template::load(&templates.join(format!("{name}.docx")), &sample)
            .unwrap_or_else(|errors| panic!("{name}: {errors:?}"));
        filled.insert(name.to_string(), template.render(&data).unwrap());
    }
    filled
}

/// A document converted and rendered with the built-in engine.
struct Native {
    converted: Converted,
    rendered: Rendered,
}

fn render(docx: &[u8]) -> Native {
    let converted = convert_docx(docx).unwrap();
    let mut options = PdfOptions::new(as_of());
    options.files = converted
        .files
        .iter()
        .map(|(name, bytes)| (name.clone(), Bytes::new(bytes.clone())))
        .collect();
    options.pieces = converted.pieces.clone();
    let rendered = render_pdf(&converted.markup, &options)
        .unwrap_or_else(|err| panic!("{err}\n{}", converted.markup));
    Native { converted, rendered }
}

/// The built-in engine's rendering of a document of the comparison, made once.
fn native(name: &str) -> &'static Native {
    static RENDERED: OnceLock<HashMap<&str, Native>> = OnceLock::new();
    let rendered = RENDERED
        .get_or_init(|| DOCUMENTS.iter().map(|&name| (name, render(docx(name)))).collect());
    &rendered[name]
}

/// Runs `soffice` headless in `dir` with a profile of its own; `None` when it is not
/// installed.
fn soffice(dir: &Path, args: &[&str]) -> Option<()> {
    let home = dir.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let output = Command::new("soffice")
        .arg("--headless")
        .args(args)
        .current_dir(dir)
        .env("HOME", &home)
        .output();
    let Ok(output) = output else {
        eprintln!("skipped: soffice is not installed (libreoffice-writer-nogui)");
        return None;
    };
    assert!(
        output.status.success(),
        "soffice: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(())
}

/// Every document of the comparison converted to PDF by LibreOffice, in one run of
/// `soffice` (it takes seconds to start and tenths of a second per document).
fn libreoffice_pdf(name: &str) -> Option<&'static [u8]> {
    static CONVERTED: OnceLock<Option<HashMap<String, Vec<u8>>>> = OnceLock::new();
    let converted = CONVERTED.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mut args = vec!["--convert-to".to_string(), "pdf".into()];
        args.extend(["--outdir".to_string(), "out".into()]);
        for name in DOCUMENTS {
            std::fs::write(dir.path().join(format!("{name}.docx")), docx(name)).unwrap();
            args.push(format!("{name}.docx"));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        soffice(dir.path(), &args)?;
        let read = |name: &&str| {
            let pdf = dir.path().join("out").join(format!("{name}.pdf"));
            let bytes = std::fs::read(&pdf)
                .unwrap_or_else(|err| panic!("LibreOffice wrote no {name}.pdf: {err}"));
            (name.to_string(), bytes)
        };
        Some(DOCUMENTS.iter().map(read).collect())
    });
    converted.as_ref().map(|pdfs| pdfs[name].as_slice())
}

/// Where a poppler tool's arguments name the PDF.
const PDF: &str = "{pdf}";

/// Runs a poppler tool on the PDF, written to a file in `dir`; the tool's stdout and
/// stderr, or `None` when poppler-utils is not installed.
fn poppler_in(
    dir: &Path,
    tool: &str,
    pdf: &[u8],
    args: &[&str],
) -> Option<(Vec<u8>, String)> {
    let path = dir.join("document.pdf");
    std::fs::write(&path, pdf).unwrap();
    let args =
        args.iter().map(|&arg| if arg == PDF { path.as_os_str() } else { arg.as_ref() });
    let output = Command::new(tool).args(args).current_dir(dir).output();
    let Ok(output) = output else {
        eprintln!("skipped: {tool} is not installed (poppler-utils)");
        return None;
    };
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{tool}: {stderr}");
    Some((output.stdout, stderr))
}

/// [`poppler_in`] in a folder of its own.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> Option<(Vec<u8>, String)> {
    poppler_in(tempfile::tempdir().unwrap().path(), tool, pdf, args)
}

/// The text of each page as `pdftotext -layout` reads it: lines by their place on the
/// page, so that the cells of a table row come out together in both engines' PDFs.
fn page_texts(pdf: &[u8]) -> Option<Vec<String>> {
    let (text, _) = poppler("pdftotext", pdf, &["-layout", "-enc", "UTF-8", PDF, "-"])?;
    let text = String::from_utf8(text).unwrap();
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_string).collect();
    if pages.last().is_some_and(|page| page.trim().is_empty()) {
        pages.pop();
    }
    Some(pages)
}

/// The words of a page, made comparable across the two engines:
/// - LibreOffice keeps Symbol and Wingdings bullets as the private-use characters Word
///   stores; the built-in engine writes the Unicode characters they look like;
/// - a tab leader is as many dots or underscores as fill the gap, which differs by a
///   glyph or two; leaders are left out.
fn words(page: &str) -> Vec<String> {
    let text: String = page.chars().map(bullet).collect();
    text.split_whitespace().flat_map(without_leaders).collect()
}

/// A Symbol or Wingdings bullet as the Unicode character it looks like.
fn bullet(c: char) -> char {
    match c {
        '\u{F0B7}' => '\u{2022}',
        '\u{F0A7}' => '\u{25AA}',
        '\u{F0D8}' => '\u{27A2}',
        '\u{F0FC}' => '\u{2713}',
        c => c,
    }
}

/// A word split where a run of three or more leader characters stood.
fn without_leaders(word: &str) -> Vec<String> {
    let is_leader = |c: char| matches!(c, '.' | '_' | '-' | '\u{B7}' | '\u{2026}');
    let chars: Vec<char> = word.chars().collect();
    let mut pieces = vec![String::new()];
    let mut index = 0;
    while index < chars.len() {
        let run = chars[index..].iter().take_while(|&&c| is_leader(c)).count();
        if run >= 3 {
            pieces.push(String::new());
            index += run;
        } else {
            let take = run.max(1);
            pieces.last_mut().unwrap().extend(&chars[index..index + take]);
            index += take;
        }
    }
    pieces.into_iter().filter(|piece| !piece.is_empty()).collect()
}

/// How two pages' words differ, as `-word` (only ours) and `+word` (only LibreOffice's)
/// runs with a word of context; empty when the pages hold the same text.
///
/// Pages with the same characters in the same order count as the same: a text tool
/// guesses word breaks from the gaps between glyphs, and a raised note number stands
/// as a word of its own in one PDF and not in the other.
fn page_difference(ours: &[String], theirs: &[String]) -> String {
    if ours.concat() == theirs.concat() {
        return String::new();
    }
    // Longest common subsequence of words, then the runs outside it.
    let (n, m) = (ours.len(), theirs.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if ours[i] == theirs[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut changes) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && ours[i] == theirs[j] {
            i += 1;
            j += 1;
            continue;
        }
        let context = if i > 0 { ours[i - 1].as_str() } else { "(page start)" };
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        while i < n || j < m {
            if i < n && j < m && ours[i] == theirs[j] {
                break;
            }
            if j == m || (i < n && lcs[i + 1][j] >= lcs[i][j + 1]) {
                removed.push(format!("-{}", ours[i]));
                i += 1;
            } else {
                added.push(format!("+{}", theirs[j]));
                j += 1;
            }
        }
        changes.push(format!(
            "after {context:?}: {} {}",
            removed.join(" "),
            added.join(" ")
        ));
    }
    changes.join("\n    ")
}

/// Renders `name` with both engines and checks the pages and their words agree.
fn assert_matches_libreoffice(name: &str) {
    let ours = native(name);
    let Some(theirs) = libreoffice_pdf(name) else { return };
    let (Some(our_pages), Some(their_pages)) =
        (page_texts(&ours.rendered.pdf), page_texts(theirs))
    else {
        return;
    };

    let mut report = Vec::new();
    if our_pages.len() != their_pages.len() {
        report.push(format!(
            "{} pages here, {} in LibreOffice",
            our_pages.len(),
            their_pages.len()
        ));
    }
    for page in 0..our_pages.len().max(their_pages.len()) {
        let ours = our_pages.get(page).map(|text| words(text)).unwrap_or_default();
        let theirs = their_pages.get(page).map(|text| words(text)).unwrap_or_default();
        let difference = page_difference(&ours, &theirs);
        if !difference.is_empty() {
            report.push(format!("page {}:\n    {difference}", page + 1));
        }
    }
    assert!(
        report.is_empty(),
        "{name}: the built-in engine (-) and LibreOffice (+) differ\n{}",
        report.join("\n")
    );
    assert_eq!(ours.rendered.pages, our_pages.len(), "{name}");
}

#[test]
fn the_comparison_ignores_leaders_and_bullet_codes_but_not_words() {
    let ours = words("\u{2022} Purpose ........ 2\nSigned\tfor the District");
    let theirs = words("\u{F0B7} Purpose.......2\nSigned___________for the District");
    assert_eq!(ours, theirs);
    assert_eq!(page_difference(&words("sign i; rest"), &words("signi; rest")), "");

    let moved = page_difference(&words("a b c d"), &words("a c d e"));
    assert!(moved.contains("after \"a\": -b") && moved.contains("+e"), "{moved}");
}

#[test]
fn the_filled_moa_matches_libreoffice() {
    assert_matches_libreoffice("moa");
}

#[test]
fn the_filled_decision_matrix_matches_libreoffice() {
    assert_matches_libreoffice("decision-matrix");
}

#[test]
fn styles_spacing_and_run_formatting_match_libreoffice() {
    assert_matches_libreoffice("styles-and-spacing");
}

#[test]
fn lists_match_libreoffice() {
    assert_matches_libreoffice("lists");
}

#[test]
fn tables_match_libreoffice() {
    assert_matches_libreoffice("tables");
}

#[test]
fn sections_headers_fields_and_tabs_match_libreoffice() {
    assert_matches_libreoffice("sections-and-headers");
}

#[test]
fn images_links_and_notes_match_libreoffice() {
    assert_matches_libreoffice("images-links-notes");
}

#[test]
fn every_document_converts_without_warnings() {
    for name in DOCUMENTS {
        let native = native(name);
        let warnings: Vec<&String> =
            native.converted.warnings.iter().chain(&native.rendered.warnings).collect();
        assert!(warnings.is_empty(), "{name}: {warnings:?}");
    }
}

/// Poppler 22 reports a tagged PDF's `/Suspects false` as an error of type; the PDF
/// standard allows it and later poppler versions stay quiet.
const POPPLER_SUSPECTS: &str = "Syntax Error: Suspects object is wrong type (boolean)";

#[test]
fn pdfinfo_opens_every_native_pdf_without_complaint() {
    for name in DOCUMENTS {
        let native = native(name);
        let Some((info, stderr)) = poppler("pdfinfo", &native.rendered.pdf, &[PDF]) else {
            return;
        };
        let complaints: Vec<&str> =
            stderr.lines().filter(|line| line.trim() != POPPLER_SUSPECTS).collect();
        assert!(complaints.is_empty(), "{name}: {complaints:?}");

        let info = String::from_utf8(info).unwrap();
        let pages = info.lines().find_map(|line| line.strip_prefix("Pages:"));
        let pages = pages.map(str::trim).and_then(|pages| pages.parse::<usize>().ok());
        assert_eq!(pages, Some(native.rendered.pages), "{name}: {info}");
    }
}

#[test]
fn libreoffice_opens_every_native_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = vec!["--infilter=writer_pdf_import", "--convert-to", "odt"];
    args.extend(["--outdir", "out"]);
    let names: Vec<String> = DOCUMENTS.iter().map(|name| format!("{name}.pdf")).collect();
    for (name, file) in DOCUMENTS.iter().zip(&names) {
        std::fs::write(dir.path().join(file), &native(name).rendered.pdf).unwrap();
        args.push(file);
    }
    if soffice(dir.path(), &args).is_none() {
        return;
    }

    // Each imported document holds the text of its first page.
    for name in DOCUMENTS {
        let odt = std::fs::read(dir.path().join("out").join(format!("{name}.odt")))
            .unwrap_or_else(|err| panic!("LibreOffice could not open {name}.pdf: {err}"));
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(odt)).unwrap();
        let mut content = String::new();
        std::io::Read::read_to_string(
            &mut archive.by_name("content.xml").unwrap(),
            &mut content,
        )
        .unwrap();
        let Some(pages) = page_texts(&native(name).rendered.pdf) else { return };
        let first_word = words(&pages[0]).into_iter().find(|w| w.len() > 3).unwrap();
        assert!(content.contains(&first_word), "{name}: {first_word:?} not in the import");
    }
}

/// A page rendered as a grey-scale image: its width, height and one byte per pixel.
struct Picture {
    width: usize,
    height: usize,
    pixels: Vec<u8>,
}

impl Picture {
    /// Reads the PGM (`P5`) that `pdftoppm -gray` writes.
    fn from_pgm(pgm: &[u8]) -> Picture {
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while pgm[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while !pgm[at].is_ascii_whitespace() {
                at += 1;
            }
            fields.push(std::str::from_utf8(&pgm[start..at]).unwrap().to_string());
        }
        assert_eq!(fields[0], "P5", "not a binary PGM");
        let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
        let pixels = pgm[at + 1..].to_vec();
        assert_eq!(pixels.len(), width * height);
        Picture { width, height, pixels }
    }

    /// How many inked pixels lie in a band of the page, given in points from its
    /// top-left corner on a US Letter page. Grey text counts; the pale shading of table
    /// cells does not.
    fn ink_in(&self, left: f64, top: f64, right: f64, bottom: f64) -> usize {
        let (x_scale, y_scale) = (self.width as f64 / 612.0, self.height as f64 / 792.0);
        let columns = (left * x_scale) as usize..(right * x_scale) as usize;
        let rows = (top * y_scale) as usize..(bottom * y_scale) as usize;
        rows.flat_map(|y| columns.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| self.pixels[y * self.width + x] < 192)
            .count()
    }
}

#[test]
fn the_moa_first_page_has_text_where_the_template_puts_it() {
    let pdf = &native("moa").rendered.pdf;
    let args = ["-r", "50", "-gray", "-f", "1", "-l", "1", "-singlefile", PDF, "page"];
    let dir = tempfile::tempdir().unwrap();
    if poppler_in(dir.path(), "pdftoppm", pdf, &args).is_none() {
        return;
    }
    let page = Picture::from_pgm(&std::fs::read(dir.path().join("page.pgm")).unwrap());
    assert_eq!((page.width, page.height), (425, 550), "US Letter at 50 dpi");

    // Not blank: text fills the page between the margins.
    let body = page.ink_in(72.0, 72.0, 540.0, 720.0);
    assert!(body > 10_000, "only {body} inked pixels in the body");
    // The header in the top margin, the page number in the bottom one.
    assert!(page.ink_in(72.0, 30.0, 540.0, 56.0) > 100, "no header");
    assert!(page.ink_in(250.0, 730.0, 362.0, 756.0) > 20, "no page number");
    // The title is centred in the first line of the body: ink in the middle, none at the
    // sides of that line.
    assert!(page.ink_in(200.0, 72.0, 412.0, 100.0) > 200, "no title");
    assert_eq!(page.ink_in(72.0, 72.0, 170.0, 100.0), 0, "the title is not centred");
    // Nothing in the side margins or below the footer.
    assert_eq!(page.ink_in(0.0, 0.0, 66.0, 792.0), 0, "ink in the left margin");
    assert_eq!(page.ink_in(546.0, 0.0, 612.0, 792.0), 0, "ink in the right margin");
    assert_eq!(page.ink_in(0.0, 760.0, 612.0, 792.0), 0, "ink below the footer");
}

/// A broken fixture, converted and rendered; the warnings of both steps together.
fn render_bad(name: &str) -> (Native, Vec<String>) {
    let docx = std::fs::read(fixtures().join("bad").join(name)).unwrap();
    let native = render(&docx);
    assert!(native.rendered.pdf.starts_with(b"%PDF-"), "{name}");
    assert!(native.rendered.pages >= 1, "{name}");
    let warnings = native
        .converted
        .warnings
        .iter()
        .chain(&native.rendered.warnings)
        .cloned()
        .collect();
    (native, warnings)
}

/// The words of a rendered document.
fn text_of(native: &Native) -> Option<String> {
    let pages = page_texts(&native.rendered.pdf)?;
    Some(pages.iter().flat_map(|page| words(page)).collect::<Vec<_>>().join(" "))
}

#[test]
fn a_table_without_a_grid_gets_equal_columns_and_a_warning() {
    let (native, warnings) = render_bad("no-grid.docx");
    assert!(
        warnings.iter().any(|w| w.contains("table 1 has no column grid")
            && w.contains("equal widths")),
        "{warnings:?}"
    );
    if let Some(text) = text_of(&native) {
        assert!(text.contains("Partner Riverside Science Museum"), "{text}");
    }
}

#[test]
fn a_missing_style_is_named_in_a_warning() {
    let (native, warnings) = render_bad("missing-style.docx");
    assert!(
        warnings.iter().any(|w| w.contains("`Fancy` is not defined in styles.xml")),
        "{warnings:?}"
    );
    if let Some(text) = text_of(&native) {
        assert!(text.contains("names a style that styles.xml lacks"), "{text}");
    }
}

#[test]
fn an_unknown_font_is_named_in_a_warning() {
    let (native, warnings) = render_bad("unknown-font.docx");
    assert!(
        warnings.iter().any(|w| w.contains("`Wingdings Fancy` is not available")
            && w.contains("Carlito was used instead")),
        "{warnings:?}"
    );
    if let Some(text) = text_of(&native) {
        assert!(text.contains("set in a font no machine has"), "{text}");
    }
}

#[test]
fn a_picture_that_is_not_an_image_is_left_out_with_a_warning() {
    let (native, warnings) = render_bad("not-an-image.docx");
    assert!(
        warnings.iter().any(|w| w.contains("word/media/image1.png")
            && w.contains("is not a PNG, JPEG or GIF image")),
        "{warnings:?}"
    );
    assert!(native.converted.files.is_empty(), "{:?}", native.converted.files.keys());
}
