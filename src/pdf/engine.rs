//! The PDF stage's one entry point: a filled Word document in, a PDF ready for signature
//! out, with the engine the run chose.

use std::path::Path;

use chrono::NaiveDate;

use std::time::Duration;

use lopdf::{dictionary, text_string, Document, Object, StringFormat};

use crate::config::{PdfConfig, PdfEngineKind};
use crate::pdf::fonts::{FontFile, FontOptions, FontSet};
use crate::pdf::libreoffice::{LibreOfficePool, PoolOptions};
use crate::pdf::{convert_docx, Bytes, PdfError, PdfOptions, Rendered, Typesetter};

/// What a PDF says about itself: its document properties.
#[derive(Debug, Clone)]
pub struct DocumentInfo {
    /// The document kind and partner, e.g. `Memorandum of Agreement: Riverside Museum`.
    pub title: String,
    /// The partnership ID.
    pub subject: String,
    /// The district's name.
    pub author: String,
    /// The creation date (the run's `--as-of`).
    pub as_of: NaiveDate,
    /// A stable name for the document, hashed into the PDF's identifier.
    pub ident: String,
}

/// Turns filled Word documents into PDFs; shared by every thread of a run.
pub enum PdfMaker {
    /// Typesets inside the process.
    Native(Typesetter),
    /// Converts with a pool of LibreOffice workers.
    LibreOffice(LibreOfficePool),
}

impl PdfMaker {
    /// The engine the configuration names, with its extra fonts loaded.
    pub fn new(config: &PdfConfig) -> Result<PdfMaker, PdfError> {
        if config.engine == PdfEngineKind::Libreoffice {
            let pool = LibreOfficePool::start(PoolOptions {
                workers: config.libreoffice_workers,
                timeout: Duration::from_secs(config.libreoffice_timeout_seconds),
                ..PoolOptions::default()
            })?;
            return Ok(PdfMaker::LibreOffice(pool));
        }
        let typesetter = if config.fonts.is_empty() {
            Typesetter::shared().clone()
        } else {
            let extra = config
                .fonts
                .iter()
                .map(|path| read_font(path))
                .collect::<Result<_, _>>()?;
            Typesetter::new(FontSet::load(&FontOptions { extra, system: true })?)
        };
        Ok(PdfMaker::Native(typesetter))
    }

    /// Renders one filled document; the warnings name what could not be honoured.
    pub fn render(&self, docx: &[u8], info: &DocumentInfo) -> Result<Rendered, PdfError> {
        match self {
            PdfMaker::Native(typesetter) => render_native(typesetter, docx, info),
            PdfMaker::LibreOffice(pool) => {
                let pdf = pool.convert(docx, &info.ident)?;
                let (pdf, pages) = set_info(&pdf, info)
                    .map_err(|message| PdfError::Export { messages: vec![message] })?;
                Ok(Rendered { pdf, pages, warnings: Vec::new(), signatures: Vec::new() })
            }
        }
    }
}

/// Converts and typesets a document with the built-in engine.
fn render_native(
    typesetter: &Typesetter,
    docx: &[u8],
    info: &DocumentInfo,
) -> Result<Rendered, PdfError> {
    let converted = convert_docx(docx)
        .map_err(|message| PdfError::Compile { messages: vec![message] })?;
    let mut options = PdfOptions::new(info.as_of);
    options.title = Some(info.title.clone());
    options.subject = Some(info.subject.clone());
    options.author = Some(info.author.clone());
    options.ident = Some(info.ident.clone());
    options.pieces = converted.pieces;
    options.files = converted
        .files
        .into_iter()
        .map(|(name, bytes)| (name, Bytes::new(bytes)))
        .collect();

    let mut rendered = typesetter.render(&converted.markup, &options)?;
    let mut warnings = converted.warnings;
    warnings.append(&mut rendered.warnings);
    rendered.warnings = warnings;
    Ok(rendered)
}

/// Reads an extra font file named in the configuration.
fn read_font(path: &Path) -> Result<FontFile, PdfError> {
    let data = std::fs::read(path)
        .map_err(|err| PdfError::Font { name: format!("{} ({err})", path.display()) })?;
    Ok(FontFile { name: path.display().to_string(), data: Bytes::new(data) })
}

/// Writes the document properties into a PDF made elsewhere, and an identifier and dates
/// that depend on them alone, so the same document gives the same bytes; also counts its
/// pages.
fn set_info(pdf: &[u8], info: &DocumentInfo) -> Result<(Vec<u8>, usize), String> {
    let mut document = Document::load_mem(pdf).map_err(|err| err.to_string())?;
    let date = format!("D:{}000000Z", info.as_of.format("%Y%m%d"));
    let properties = dictionary! {
        "Title" => text_string(&info.title),
        "Subject" => text_string(&info.subject),
        "Author" => text_string(&info.author),
        "Creator" => text_string(concat!("partnerdocs ", env!("CARGO_PKG_VERSION"))),
        "Producer" => text_string("LibreOffice"),
        "CreationDate" => Object::string_literal(date.as_str()),
        "ModDate" => Object::string_literal(date.as_str()),
    };
    let properties = document.add_object(properties);
    document.trailer.set("Info", properties);
    let ident = crate::outputs::manifest::sha256(info.ident.as_bytes());
    let ident = Object::String(ident.as_bytes()[..32].to_vec(), StringFormat::Hexadecimal);
    document.trailer.set("ID", vec![ident.clone(), ident]);
    let pages = document.get_pages().len();

    let mut out = Vec::with_capacity(pdf.len());
    document.save_to(&mut out).map_err(|err| err.to_string())?;
    Ok((out, pages))
}
