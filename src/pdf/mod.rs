//! PDF rendering: typesets typst markup into PDF bytes inside the process.
//!
//! Every document shares one [`Typesetter`] (standard library and fonts, built once), so
//! a render costs only the document's own compile and export. Call it from as many
//! threads as you like (rayon included): each calling thread gets a typesetting thread
//! of its own. The same markup, files and options always give the same bytes: the date
//! and the document identifier come from the options, never from the clock.

mod convert;
mod diagnostics;
mod engine;
mod fonts;
pub mod libreoffice;
mod measure;
mod numbering;
mod pieces;
mod signature;
mod styles;
mod thread;
mod update;
pub mod worker;
mod world;

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use typst::foundations::Smart;
use typst_layout::PagedDocument;
use typst_pdf::Timestamp;

pub use convert::{
    convert_docx, string_literal, Converted, SIGNATURE_END, SIGNATURE_LABEL, SIGNATURE_MARK,
};
pub use engine::{DocumentInfo, PdfMaker};
pub use fonts::{family_for, FontBook, FontFile, FontOptions, FontSet, FALLBACK_FAMILY};
pub use pieces::Pieces;
pub use signature::SignaturePlace;
pub use typst::foundations::Bytes;
pub use world::{DocumentWorld, Typesetter};

/// How many renders run between two trims of typst's memoization caches.
///
/// A cache that grows makes every lookup slower, and a run of thousands of documents
/// would fill memory; measured on three-page agreements, a trim every 8 renders costs
/// least.
const RENDERS_PER_CACHE_TRIM: usize = 8;

/// How many trims a cached result survives unused. What every document of a template
/// shares (see `pieces`) is used by each render and stays; what one document alone
/// needed goes within a few dozen renders.
const CACHE_AGE: usize = 2;

/// What one document is rendered with, besides its markup.
#[derive(Debug, Clone)]
pub struct PdfOptions {
    /// The PDF's title; when `None`, whatever the markup's `#set document` says.
    pub title: Option<String>,
    /// The PDF's subject (typst's document description); `None` keeps the markup's.
    pub subject: Option<String>,
    /// The PDF's author; `None` keeps the markup's.
    pub author: Option<String>,
    /// The creation date written into the PDF and returned by `datetime.today()`.
    pub as_of: NaiveDate,
    /// Files the markup loads (images, data), by virtual path: `media/logo.png` serves
    /// `image("media/logo.png")` and `image("/media/logo.png")`.
    ///
    /// Typst keeps every path it has seen for the life of the process, and at most
    /// 65,535 of them: reuse the same few names in every document (`media/image1.png`)
    /// rather than names unique per partnership.
    pub files: HashMap<String, Bytes>,
    /// A stable identifier for the document, hashed into the PDF's `/ID`; when `None`,
    /// a hash of the markup.
    pub ident: Option<String>,
    /// Whether to write a tagged (accessible) PDF: structure for screen readers.
    pub tagged: bool,
    /// Where the markup's blocks, headers and footers are, as [`convert_docx`] found
    /// them; documents that share blocks are then laid out faster. Empty for markup
    /// written by hand.
    pub pieces: Pieces,
}

impl PdfOptions {
    /// Options with no metadata and no files, dated `as_of`.
    pub fn new(as_of: NaiveDate) -> Self {
        Self {
            title: None,
            subject: None,
            author: None,
            as_of,
            files: HashMap::new(),
            ident: None,
            tagged: true,
            pieces: Pieces::default(),
        }
    }
}

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// How many pages it has.
    pub pages: usize,
    /// Typst's warnings and characters no font could draw, one message each, as
    /// `line L, column C: message` when they point into the markup.
    pub warnings: Vec<String>,
    /// The signature fields added, in document order.
    pub signatures: Vec<SignaturePlace>,
}

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The markup has errors; one message per error, as in [`Rendered::warnings`].
    #[error("failed to typeset the document: {}", .messages.join("; "))]
    Compile { messages: Vec<String> },
    /// The laid-out document could not be written as PDF.
    #[error("failed to write the PDF: {}", .messages.join("; "))]
    Export { messages: Vec<String> },
    /// An extra font file holds no font typst can read.
    #[error("failed to read font file {name}: it holds no TrueType or OpenType font")]
    Font { name: String },
    /// Typst failed in a way it should not (a panic), or no thread could run it.
    #[error("failed to render the document: {message}")]
    Internal { message: String },
}

impl PdfError {
    /// The typst messages behind the error (empty for the other kinds).
    pub fn messages(&self) -> &[String] {
        match self {
            Self::Compile { messages } | Self::Export { messages } => messages,
            Self::Font { .. } | Self::Internal { .. } => &[],
        }
    }
}

/// Renders typst markup to PDF with the process-wide [`Typesetter`] (built-in fonts
/// first, then the machine's).
pub fn render_pdf(markup: &str, options: &PdfOptions) -> Result<Rendered, PdfError> {
    Typesetter::shared().render(markup, options)
}

impl Typesetter {
    /// Renders typst markup to PDF, on this thread's typesetting thread.
    pub fn render(&self, markup: &str, options: &PdfOptions) -> Result<Rendered, PdfError> {
        let (typesetter, markup, options) =
            (self.clone(), markup.to_string(), options.clone());
        thread::run(move || typesetter.render_here(&markup, &options))
            .unwrap_or_else(|message| Err(PdfError::Internal { message }))
    }

    /// Renders on the current thread.
    fn render_here(
        &self,
        markup: &str,
        options: &PdfOptions,
    ) -> Result<Rendered, PdfError> {
        let world = self.world(markup, &options.pieces, &options.files, options.as_of);
        let warned = typst::compile::<PagedDocument>(&world);
        let mut warnings = diagnostics::describe_all(&world, &warned.warnings);

        let mut document = warned.output.map_err(|errors| PdfError::Compile {
            messages: diagnostics::describe_all(&world, &errors),
        })?;
        warnings.extend(diagnostics::missing_glyphs(&world, &document));
        set_metadata(&mut document, options);
        let mut signatures = signature::signature_places(&document);

        let mut pdf = typst_pdf::pdf(&document, &export_options(markup, options)).map_err(
            |errors| PdfError::Export {
                messages: diagnostics::describe_all(&world, &errors),
            },
        )?;
        trim_caches();
        quiet_mark_info(&mut pdf);
        if !signatures.is_empty() {
            match signature::add_signature_fields(pdf.clone(), &signatures) {
                Ok(signed) => pdf = signed,
                Err(err) => {
                    warnings.push(format!("failed to add the signature fields: {err}"));
                    signatures.clear();
                }
            }
        }
        Ok(Rendered { pdf, pages: document.pages().len(), warnings, signatures })
    }
}

/// Puts the options' title, subject and author over what the markup set.
fn set_metadata(document: &mut PagedDocument, options: &PdfOptions) {
    let info = document.info_mut();
    if let Some(title) = &options.title {
        info.title = Some(title.into());
    }
    if let Some(subject) = &options.subject {
        info.description = Some(subject.into());
    }
    if let Some(author) = &options.author {
        info.author = vec![author.into()];
    }
}

/// Export options that fix everything typst would otherwise take from the clock.
fn export_options(markup: &str, options: &PdfOptions) -> typst_pdf::PdfOptions {
    let ident = match &options.ident {
        Some(ident) => ident.clone(),
        None => format!("{:x}", Sha256::digest(markup.as_bytes())),
    };
    typst_pdf::PdfOptions {
        ident: Smart::Custom(ident),
        creator: Smart::Custom(Some(format!("partnerdocs {}", env!("CARGO_PKG_VERSION")))),
        timestamp: world::typst_date(options.as_of).map(Timestamp::new_utc),
        tagged: options.tagged,
        ..typst_pdf::PdfOptions::default()
    }
}

/// Blanks `/Suspects false` in the catalog's `/MarkInfo`, keeping every byte offset.
///
/// The entry is optional and false is its default, but poppler 22 (Debian 12's PDF
/// tools) reports it as a syntax error, which would make a correct file look broken.
fn quiet_mark_info(pdf: &mut [u8]) {
    const MARK_INFO: &[u8] = b"/MarkInfo<</Marked true/Suspects false>>";
    const SUSPECTS: &[u8] = b"/Suspects false";
    if let Some(at) = pdf.windows(MARK_INFO.len()).rposition(|w| w == MARK_INFO) {
        let start = at + MARK_INFO.len() - 2 - SUSPECTS.len();
        pdf[start..start + SUSPECTS.len()].fill(b' ');
    }
}

/// Trims typst's memoization caches every so many renders, so a run of thousands of
/// documents keeps a small cache of what its documents share.
fn trim_caches() {
    static RENDERS: AtomicUsize = AtomicUsize::new(0);
    let count = RENDERS.fetch_add(1, Ordering::Relaxed) + 1;
    if count.is_multiple_of(RENDERS_PER_CACHE_TRIM) {
        typst::comemo::evict(CACHE_AGE);
    }
}
