//! PDF rendering read back with poppler's tools: pages, text, embedded fonts, metadata,
//! warnings and errors, identical bytes for identical input, and parallel renders.

// Helpers here are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use chrono::NaiveDate;
use partnerdocs::pdf::{
    render_pdf, Bytes, FontSet, PdfError, PdfOptions, Rendered, Typesetter,
};
use rayon::prelude::*;

/// Two pages on US Letter: a heading, a paragraph in Carlito and a table.
const AGREEMENT: &str = r#"
#set page(paper: "us-letter", margin: (x: 1in, y: 0.75in))
#set text(font: "Carlito", size: 11pt)

= Memorandum of Agreement

This agreement is made between Riverside Elementary School and the Riverside Science
Museum for the Saturday Science Fair.

#table(
  columns: 2,
  [*Role*], [*Name*],
  [Principal], [Dana Whitfield],
  [Partner contact], [Luis Ortega],
)

#pagebreak()

== Signatures

Signed on behalf of both parties.
"#;

fn options() -> PdfOptions {
    PdfOptions::new(NaiveDate::from_ymd_opt(2025, 9, 2).unwrap())
}

fn render(markup: &str) -> Rendered {
    render_pdf(markup, &options()).unwrap()
}

/// Where a poppler tool's arguments name the PDF.
const PDF: &str = "{pdf}";

/// Runs a poppler tool on the PDF and returns its output, or `None` (with a message)
/// when the tool is not installed.
fn poppler(tool: &str, pdf: &[u8], args: &[&str]) -> Option<String> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(pdf).unwrap();
    let path = file.path().to_str().unwrap();
    let args = args.iter().map(|&arg| if arg == PDF { path } else { arg });

    let Ok(output) = Command::new(tool).args(args).output() else {
        println!("skipped: {tool} is not installed (poppler-utils)");
        return None;
    };
    assert!(output.status.success(), "{tool}: {}", String::from_utf8_lossy(&output.stderr));
    Some(String::from_utf8(output.stdout).unwrap())
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    poppler("pdftotext", pdf, &["-enc", "UTF-8", PDF, "-"])
}

fn pdfinfo(pdf: &[u8]) -> Option<String> {
    poppler("pdfinfo", pdf, &["-isodates", PDF])
}

/// The embedded fonts' names (without the subset prefix) as `pdffonts` lists them.
fn embedded_fonts(pdf: &[u8]) -> Option<Vec<String>> {
    let listing = poppler("pdffonts", pdf, &[PDF])?;

    // Columns end with: emb sub uni object-number generation.
    let fonts = listing.lines().skip(2).filter_map(|line| {
        let columns: Vec<&str> = line.split_whitespace().collect();
        let embedded = columns.len() > 5 && columns[columns.len() - 5] == "yes";
        let name = columns.first()?;
        embedded.then(|| name.rsplit('+').next().unwrap_or(name).to_string())
    });
    Some(fonts.collect())
}

/// The words of a text with all whitespace runs made single spaces.
fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn renders_a_letter_document_with_its_text_and_fonts() {
    let rendered = render(AGREEMENT);

    assert!(rendered.pdf.starts_with(b"%PDF-"));
    assert_eq!(rendered.pages, 2);
    assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);

    if let Some(text) = pdftotext(&rendered.pdf) {
        let text = words(&text);
        assert!(text.contains("Memorandum of Agreement"), "{text}");
        assert!(text.contains("Riverside Science Museum"), "{text}");
        assert!(text.contains("Dana Whitfield"), "{text}");
        assert!(text.contains("Signatures"), "{text}");
    }
    if let Some(fonts) = embedded_fonts(&rendered.pdf) {
        assert!(fonts.iter().any(|font| font.starts_with("Carlito")), "{fonts:?}");
    }
}

#[test]
fn pages_are_us_letter() {
    let rendered = render(AGREEMENT);
    let Some(info) = pdfinfo(&rendered.pdf) else { return };
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
}

#[test]
fn same_input_gives_same_bytes() {
    let first = render(AGREEMENT);
    let second = render(AGREEMENT);
    assert!(first.pdf == second.pdf, "two renders of the same markup differ");

    // Also on another thread, with another typesetter over the same fonts.
    let other = Typesetter::new(FontSet::load(&Default::default()).unwrap());
    let third = std::thread::scope(|scope| {
        scope.spawn(|| other.render(AGREEMENT, &options()).unwrap()).join().unwrap()
    });
    assert!(first.pdf == third.pdf, "a render on another typesetter differs");
}

#[test]
fn metadata_comes_from_the_options() {
    let mut options = options();
    options.title = Some("MOA: Saturday Science Fair".into());
    options.subject = Some("Memorandum of Agreement".into());
    options.author = Some("Riverside Elementary School".into());
    let rendered = render_pdf(AGREEMENT, &options).unwrap();

    let Some(info) = pdfinfo(&rendered.pdf) else { return };
    assert!(info.contains("MOA: Saturday Science Fair"), "{info}");
    assert!(info.contains("Memorandum of Agreement"), "{info}");
    assert!(info.contains("Riverside Elementary School"), "{info}");
    assert!(info.contains("2025-09-02"), "{info}");
}

#[test]
fn markup_metadata_stays_when_the_options_set_none() {
    let markup = format!("#set document(title: \"Decision-Making Matrix\")\n{AGREEMENT}");
    let rendered = render(&markup);
    let Some(info) = pdfinfo(&rendered.pdf) else { return };
    assert!(info.contains("Decision-Making Matrix"), "{info}");
}

#[test]
fn today_is_the_as_of_date() {
    let rendered =
        render("Dated #datetime.today().display(\"[month repr:long] [day], [year]\").");
    let Some(text) = pdftotext(&rendered.pdf) else { return };
    assert!(words(&text).contains("Dated September 02, 2025."), "{text}");
}

#[test]
fn an_unknown_font_family_is_a_warning() {
    let rendered = render("#set text(font: \"Comic Sans MS\")\nHello.");

    assert_eq!(rendered.pages, 1);
    assert_eq!(rendered.warnings.len(), 1, "{:?}", rendered.warnings);
    let warning = &rendered.warnings[0];
    assert!(
        warning.starts_with("line 1, column 17: unknown font family: comic sans ms"),
        "{warning}"
    );
}

#[test]
fn a_character_no_font_has_is_a_warning() {
    // A private-use code point: no font draws it.
    let rendered = render("Mark: \u{10FFFD}.");
    assert!(
        rendered.warnings.iter().any(|w| w.contains("U+10FFFD") && w.starts_with("line 1")),
        "{:?}",
        rendered.warnings
    );
}

#[test]
fn bad_markup_is_an_error_with_the_message() {
    let err = render_pdf("Hello.\n#partnership_name", &options()).unwrap_err();

    assert!(matches!(err, PdfError::Compile { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("failed to typeset the document: line 2, column 2:"),
        "{text}"
    );
    assert!(text.contains("unknown variable: partnership_name"), "{text}");
}

#[test]
fn images_come_from_the_files_map() {
    let logo = r#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">
        <rect width="40" height="20" fill="navy"/></svg>"#;
    let mut options = options();
    options.files.insert("media/logo.svg".into(), Bytes::new(logo.as_bytes().to_vec()));

    let markup = "#image(\"media/logo.svg\", width: 2cm)\n#image(\"/media/logo.svg\")";
    let rendered = render_pdf(markup, &options).unwrap();
    assert_eq!(rendered.pages, 1);

    let err = render_pdf("#image(\"media/missing.png\")", &options).unwrap_err();
    assert!(err.to_string().contains("media/missing.png"), "{err}");
}

#[test]
fn built_in_fonts_alone_render_the_same_on_any_machine() {
    let typesetter = Typesetter::new(FontSet::embedded());
    assert_eq!(typesetter.fonts().system_faces(), 0);

    let rendered = typesetter.render(AGREEMENT, &options()).unwrap();
    assert_eq!(rendered.pages, 2);
    if let Some(fonts) = embedded_fonts(&rendered.pdf) {
        assert!(fonts.iter().all(|font| font.starts_with("Carlito")), "{fonts:?}");
    }
}

#[test]
fn names_in_any_script_fall_back_to_installed_fonts() {
    let markup = "#set text(font: \"Carlito\")\n\
        Partner contact: 王小明. Family liaison: Nplooj Ntoos Vwj Xyooj. Thanks 🎉";
    let rendered = render(markup);
    let text = pdftotext(&rendered.pdf).map(|text| words(&text));
    let embedded = embedded_fonts(&rendered.pdf);

    // Hmong in Latin letters needs nothing beyond the built-in family.
    if let Some(text) = &text {
        assert!(text.contains("Nplooj Ntoos Vwj Xyooj"), "{text}");
    }
    if let Some(embedded) = &embedded {
        assert!(embedded.iter().any(|font| font.starts_with("Carlito")), "{embedded:?}");
    }

    // Chinese falls back to an installed font; without one it is a warning, not an error.
    let fonts = Typesetter::shared().fonts();
    let about = |c: char| format!("U+{:04X}", u32::from(c));
    let warned = |c: char| rendered.warnings.iter().any(|w| w.contains(&about(c)));
    match fonts.family_covering('王') {
        None => {
            println!(
                "skipped: no font on this machine covers Chinese (install fonts-noto-cjk)"
            );
            assert!(warned('王'), "{:?}", rendered.warnings);
        }
        Some(cjk) => {
            assert!(!warned('王'), "{:?}", rendered.warnings);
            if let Some(text) = &text {
                assert!(text.contains("王小明"), "{text}");
            }
            if let Some(embedded) = &embedded {
                let cjk = cjk.replace(' ', "");
                let found =
                    embedded.iter().any(|font| font.replace(' ', "").contains(&cjk));
                assert!(found, "{cjk} not among {embedded:?}");
            }
        }
    }

    // Likewise the emoji, which needs an emoji font.
    if fonts.family_covering('🎉').is_none() {
        println!("skipped: no emoji font on this machine (install fonts-noto-color-emoji)");
        assert!(warned('🎉'), "{:?}", rendered.warnings);
    } else {
        assert!(!warned('🎉'), "{:?}", rendered.warnings);
    }
}

#[test]
fn twenty_documents_render_in_parallel() {
    let started = Instant::now();
    let rendered: Vec<Rendered> = (0..20)
        .into_par_iter()
        .map(|n| {
            let markup = format!(
                "#set page(paper: \"us-letter\")\n= Partnership P-{n:03}\n\
                 This agreement covers program number {n}."
            );
            render_pdf(&markup, &options()).unwrap()
        })
        .collect();
    println!("20 one-page documents in {:?}", started.elapsed());

    assert!(rendered.iter().all(|r| r.pages == 1 && r.pdf.starts_with(b"%PDF")));
    if let Some(text) = pdftotext(&rendered[17].pdf) {
        assert!(text.contains("Partnership P-017"), "{text}");
    }
}

#[test]
fn renders_from_small_stacks_in_a_busy_pool_do_not_nest() {
    // Typst lays out in parallel; run straight on a rayon worker, a render waiting for
    // that work picked up other documents' renders and nested them on one stack until it
    // overflowed. Renders now run on typesetting threads of their own, so even workers
    // with a quarter of a megabyte of stack get through a batch.
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).stack_size(256 << 10);
    let pool = pool.build().unwrap();
    let pages: usize = pool.install(|| {
        (0..40).into_par_iter().map(|n| render(&three_page_agreement(n)).pages).sum()
    });
    assert_eq!(pages, 120);
}

/// A three-page agreement whose names differ in every paragraph, as real ones do.
fn three_page_agreement(n: usize) -> String {
    let mut markup = String::from(
        "#set page(paper: \"us-letter\", margin: 1in)\n#set text(font: \"Carlito\")\n",
    );
    for page in 1..=3 {
        markup += &format!("= Section {page}: Partnership P-{n:05}\n\n");
        for paragraph in 0..5 {
            markup += &format!(
                "Riverside Elementary School {n} and Partner Organization {paragraph}-{n} \
                 agree to run the program for students in grades 3 to 5. The partner \
                 provides {n} volunteers, screened under district policy, and the school \
                 provides rooms, a staff liaison and the schedule for term {page}.\n\n"
            );
        }
        markup += "#table(columns: 3, [*Role*], [*Name*], [*Email*],\n";
        for row in 0..6 {
            markup += &format!(
                "[Contact {row}], [Person {n}-{row}], [p{n}.{row}\\@example.org],\n"
            );
        }
        markup += ")\n";
        if page < 3 {
            markup += "#pagebreak()\n";
        }
    }
    markup
}
