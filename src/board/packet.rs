//! The Board packet: a contents page, the agenda attachment and each action item's
//! documents merged into one PDF, with bookmarks, a page-number footer on every page and
//! the documents' signature fields kept usable.
//!
//! Each input is read with lopdf and only what its pages and form fields reach is copied,
//! renumbered, into a new document with one page tree. What the packet leaves behind:
//! the inputs' structure trees (`/StructTreeRoot`, `/MarkInfo`), outlines, metadata
//! streams and named destinations. A packet is read on screen and signed, and a
//! structure tree stitched from several files would be wrong rather than merely absent.

use std::collections::{HashMap, HashSet, VecDeque};

use lopdf::{dictionary, text_string, Dictionary, Document, Object, ObjectId, Stream};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use tracing::{debug, warn};

use crate::pdf::{render_pdf, string_literal, PdfError, PdfOptions};

/// How often the contents page is typeset at most while its own length settles: every
/// page number in it depends on how many pages it takes.
const CONTENTS_ATTEMPTS: usize = 4;

/// The footer's font size, in points.
const FOOTER_SIZE: f64 = 9.0;

/// How far the footer's baseline sits above the bottom edge of the page, in points.
const FOOTER_RISE: f64 = 24.0;

/// A US Letter page, for a page whose size cannot be read.
const LETTER: [f64; 4] = [0.0, 0.0, 612.0, 792.0];

/// Object types never copied from an input: the packet builds its own catalog, page
/// tree and outline, and drops the structure tree (see the module docs).
const LEFT_BEHIND: [&[u8]; 8] = [
    b"Catalog",
    b"Pages",
    b"Outlines",
    b"StructTreeRoot",
    b"StructElem",
    b"MarkInfo",
    b"ObjStm",
    b"XRef",
];

/// Page attributes a page may inherit from its page-tree ancestors.
const INHERITED: [&str; 4] = ["Resources", "MediaBox", "CropBox", "Rotate"];

/// One PDF in the packet and what the packet calls it.
#[derive(Debug, Clone)]
pub struct PacketDocument {
    /// What the document is, as the contents page and bookmarks name it
    /// ("Memorandum of Agreement").
    pub label: String,
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
}

/// One action item on the agenda: a partnership and its documents.
#[derive(Debug, Clone)]
pub struct PacketItem {
    /// The item's heading ("RUSD-2026-005 Riverside Museum: Saturday Science").
    pub heading: String,
    /// Its documents in packet order, usually the MOA and the Decision-Making Matrix.
    pub documents: Vec<PacketDocument>,
}

/// What a packet is built with, besides its documents.
#[derive(Debug, Clone)]
pub struct PacketOptions {
    /// The packet's title, on the contents page and in the PDF's properties.
    pub title: String,
    /// The PDF's author.
    pub author: String,
    /// The date written into the PDF (creation and modification).
    pub as_of: chrono::NaiveDate,
    /// The footer's text before "— page N of M".
    pub footer: String,
}

/// A merged Board packet.
#[derive(Debug, Clone)]
pub struct Packet {
    /// The PDF file's bytes.
    pub pdf: Vec<u8>,
    /// How many pages it has, the contents page included.
    pub pages: usize,
    /// The first page (from 1) of each document in contents order: the attachment under
    /// its label, then each item's documents as "heading — label".
    pub starts: Vec<(String, usize)>,
}

/// Why a packet could not be built.
#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    /// An action item lists no documents.
    #[error("failed to list item \"{heading}\": it has no documents")]
    EmptyItem { heading: String },
    /// A document is not a PDF lopdf can read.
    #[error("failed to read {document}: {source}")]
    Read { document: String, source: lopdf::Error },
    /// A document is encrypted with a password.
    #[error(
        "failed to read {document}: it is encrypted\n\
         hint: save it again without a password"
    )]
    Encrypted { document: String },
    /// A document has no pages (or a page tree lopdf cannot walk).
    #[error("failed to include {document}: it has no pages")]
    NoPages { document: String },
    /// A document's pages could not be copied.
    #[error("failed to copy the pages of {document}: {source}")]
    Copy { document: String, source: lopdf::Error },
    /// The contents page could not be typeset.
    #[error("failed to typeset the contents page: {source}")]
    Contents { source: PdfError },
    /// The contents page changed length every time its page numbers changed.
    #[error(
        "failed to typeset the contents page: its length did not settle in {} tries",
        CONTENTS_ATTEMPTS
    )]
    ContentsLength,
    /// The merged PDF could not be written.
    #[error("failed to write the packet: {source}")]
    Write { source: std::io::Error },
}

/// Builds the Board packet: a contents page, the attachment, then each item's documents.
pub fn build_packet(
    attachment: &PacketDocument,
    items: &[PacketItem],
    options: &PacketOptions,
) -> Result<Packet, PacketError> {
    let parts = list_parts(attachment, items)?;
    let sources =
        parts.par_iter().map(|part| read_pdf(&part.document.pdf, || part.describe()));
    let sources = sources.collect::<Result<Vec<_>, _>>()?;
    let lengths: Vec<usize> = sources.iter().map(|s| s.pages.len()).collect();
    debug!(
        documents = parts.len(),
        pages = lengths.iter().sum::<usize>(),
        "packet inputs read"
    );

    // The contents page takes the attachment's page size; every source has a page.
    let size = page_box(&sources[0].document, sources[0].pages[0]);
    let (contents, starts) = typeset_contents(&parts, &lengths, size, options)?;
    let mut merger = Merger::new();
    merger.append(contents, "contents").map_err(|source| PacketError::Copy {
        document: "the contents page".into(),
        source,
    })?;
    for (part, source) in parts.iter().zip(sources) {
        merger
            .append(source, &part.field_prefix())
            .map_err(|source| PacketError::Copy { document: part.describe(), source })?;
    }

    merger.stamp_footers(&options.footer);
    let bookmarks = bookmarks(&parts, items, &starts);
    let pdf =
        merger.finish(&bookmarks, info(options), packet_id(attachment, items, options))?;
    let pages = merger.pages.len();
    debug!(pages, bytes = pdf.len(), "packet written");

    let starts = parts.iter().zip(&starts).map(|(part, &start)| (part.title(), start + 1));
    Ok(Packet { pdf, pages, starts: starts.collect() })
}

/// One document in packet order, with the item it belongs to.
struct Part<'a> {
    /// The item's position on the agenda (from 1) and heading; `None` for the attachment.
    item: Option<(usize, &'a str)>,
    document: &'a PacketDocument,
}

impl Part<'_> {
    /// The document as an error message names it.
    fn describe(&self) -> String {
        match self.item {
            None => format!("the attachment \"{}\"", self.document.label),
            Some((_, heading)) => format!("\"{}\" of \"{heading}\"", self.document.label),
        }
    }

    /// The document as [`Packet::starts`] names it.
    fn title(&self) -> String {
        match self.item {
            None => self.document.label.clone(),
            Some((_, heading)) => format!("{heading} — {}", self.document.label),
        }
    }

    /// What the names of the document's form fields start with in the packet.
    fn field_prefix(&self) -> String {
        let label = slug(&self.document.label);
        match self.item {
            None => format!("attachment-{label}"),
            Some((number, _)) => format!("item{number}-{label}"),
        }
    }
}

/// The attachment and every item's documents, in packet order.
fn list_parts<'a>(
    attachment: &'a PacketDocument,
    items: &'a [PacketItem],
) -> Result<Vec<Part<'a>>, PacketError> {
    let mut parts = vec![Part { item: None, document: attachment }];
    for (index, item) in items.iter().enumerate() {
        if item.documents.is_empty() {
            return Err(PacketError::EmptyItem { heading: item.heading.clone() });
        }
        let at = Some((index + 1, item.heading.as_str()));
        parts.extend(item.documents.iter().map(|document| Part { item: at, document }));
    }
    Ok(parts)
}

/// An input read with lopdf, and its pages in order.
struct Source {
    document: Document,
    pages: Vec<ObjectId>,
}

/// Reads a PDF, naming it with `describe` if it cannot be used.
fn read_pdf(pdf: &[u8], describe: impl Fn() -> String) -> Result<Source, PacketError> {
    let document = Document::load_mem(pdf)
        .map_err(|source| PacketError::Read { document: describe(), source })?;
    // lopdf opens a file encrypted with an empty user password; any other it leaves empty.
    if document.trailer.has(b"Encrypt") && !document.was_encrypted() {
        return Err(PacketError::Encrypted { document: describe() });
    }
    let pages: Vec<ObjectId> = document.page_iter().collect();
    if pages.is_empty() {
        return Err(PacketError::NoPages { document: describe() });
    }
    Ok(Source { document, pages })
}

/// `text` lowercased, with every run of characters other than ASCII letters and digits
/// turned into one `-`: safe in a form field's partial name.
fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Typesets the contents page until its length settles; returns it with the first page
/// (from 0) of every part.
fn typeset_contents(
    parts: &[Part],
    lengths: &[usize],
    size: [f64; 4],
    options: &PacketOptions,
) -> Result<(Source, Vec<usize>), PacketError> {
    let mut pdf_options = PdfOptions::new(options.as_of);
    pdf_options.title = Some(options.title.clone());
    pdf_options.author = Some(options.author.clone());
    pdf_options.tagged = false; // the packet drops structure trees anyway

    let mut assumed = 1;
    for _ in 0..CONTENTS_ATTEMPTS {
        let starts = first_pages(assumed, lengths);
        let markup = contents_markup(parts, &starts, size, &options.title);
        let rendered = render_pdf(&markup, &pdf_options)
            .map_err(|source| PacketError::Contents { source })?;
        for warning in &rendered.warnings {
            warn!(%warning, "contents page");
        }
        if rendered.pages == assumed {
            let source = read_pdf(&rendered.pdf, || "the contents page".into())?;
            return Ok((source, starts));
        }
        debug!(
            assumed,
            pages = rendered.pages,
            "contents page length changed; typesetting again"
        );
        assumed = rendered.pages;
    }
    Err(PacketError::ContentsLength)
}

/// The first page (from 0) of each part, after `skip` pages of contents.
fn first_pages(skip: usize, lengths: &[usize]) -> Vec<usize> {
    let mut next = skip;
    lengths
        .iter()
        .map(|length| {
            next += length;
            next - length
        })
        .collect()
}

/// The contents page's typst markup: the title, then one line per document with dot
/// leaders to its page number, under a line per item.
fn contents_markup(
    parts: &[Part],
    starts: &[usize],
    size: [f64; 4],
    title: &str,
) -> String {
    let (width, height) = (size[2] - size[0], size[3] - size[1]);
    let mut markup = format!(
        "#set page(width: {}pt, height: {}pt, margin: (x: 72pt, top: 72pt, bottom: 60pt))\n\
         #set text(font: \"Liberation Sans\", size: 11pt)\n\
         #text(size: 15pt, weight: \"bold\", {})\n\
         #v(2pt)\n\
         #text(size: 12pt)[Contents]\n\
         #v(10pt)\n",
        number(width),
        number(height),
        string_literal(title),
    );
    let mut item = None;
    for (part, &start) in parts.iter().zip(starts) {
        if let Some((number, heading)) =
            part.item.filter(|&(number, _)| item != Some(number))
        {
            item = Some(number);
            markup.push_str(&contents_line(heading, start + 1, 0, true));
        }
        let indent = if part.item.is_some() { 18 } else { 0 };
        markup.push_str(&contents_line(&part.document.label, start + 1, indent, false));
    }
    markup
}

/// One line of the contents page.
fn contents_line(text: &str, page: usize, indent: u32, strong: bool) -> String {
    let weight = if strong { "bold" } else { "regular" };
    let above = if strong { 12 } else { 6 };
    format!(
        "#block(above: {above}pt, below: 0pt, inset: (left: {indent}pt))[\
         #text(weight: \"{weight}\", {}) #box(width: 1fr, repeat(gap: 3pt)[.]) {page}]\n",
        string_literal(text),
    )
}

/// The outline: the contents page, the attachment, then each item with its documents.
fn bookmarks(parts: &[Part], items: &[PacketItem], starts: &[usize]) -> Vec<Bookmark> {
    let mut marks = vec![Bookmark::new("Contents", 0)];
    let mut part = parts.iter().zip(starts);
    if let Some((attachment, &start)) = part.next() {
        marks.push(Bookmark::new(&attachment.document.label, start));
    }
    for item in items {
        let children: Vec<Bookmark> = part
            .by_ref()
            .take(item.documents.len())
            .map(|(part, &start)| Bookmark::new(&part.document.label, start))
            .collect();
        let first = children.first().map_or(0, |child| child.page);
        marks.push(Bookmark { children, ..Bookmark::new(&item.heading, first) });
    }
    marks
}

/// One entry of the PDF outline.
struct Bookmark {
    title: String,
    /// The page it opens, from 0.
    page: usize,
    children: Vec<Bookmark>,
}

impl Bookmark {
    fn new(title: &str, page: usize) -> Self {
        Self { title: title.to_string(), page, children: Vec::new() }
    }
}

/// The packet's document information dictionary.
fn info(options: &PacketOptions) -> Dictionary {
    let date = format!("D:{}000000Z", options.as_of.format("%Y%m%d"));
    let creator = format!("partnerdocs {}", env!("CARGO_PKG_VERSION"));
    dictionary! {
        "Title" => text_string(&options.title),
        "Author" => text_string(&options.author),
        "Creator" => text_string(&creator),
        "Producer" => text_string(&creator),
        "CreationDate" => Object::string_literal(date.clone()),
        "ModDate" => Object::string_literal(date),
    }
}

/// The packet's file identifier: a hash of everything it is built from.
fn packet_id(
    attachment: &PacketDocument,
    items: &[PacketItem],
    options: &PacketOptions,
) -> Vec<u8> {
    let mut hash = Sha256::new();
    let mut add = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    for text in [&options.title, &options.author, &options.footer, &attachment.label] {
        add(text.as_bytes());
    }
    add(options.as_of.to_string().as_bytes());
    add(&attachment.pdf);
    for item in items {
        add(item.heading.as_bytes());
        for document in &item.documents {
            add(document.label.as_bytes());
            add(&document.pdf);
        }
    }
    hash.finalize()[..16].to_vec()
}

/// The packet under construction: every page so far, and the form fields on them.
struct Merger {
    out: Document,
    /// The one page-tree node every page hangs from.
    tree: ObjectId,
    pages: Vec<ObjectId>,
    fields: Vec<ObjectId>,
    field_names: HashSet<String>,
    form: FormSettings,
}

/// What the merged form takes from each input's `/AcroForm` besides its fields.
#[derive(Default)]
struct FormSettings {
    sig_flags: i64,
    need_appearances: bool,
    /// Default resources (`/DR`), by kind then name; the first input to use a name wins.
    resources: Dictionary,
    /// The first default appearance (`/DA`) seen.
    appearance: Option<Object>,
}

impl Merger {
    fn new() -> Self {
        let mut out = Document::with_version("1.7");
        let tree = out.new_object_id();
        Self {
            out,
            tree,
            pages: Vec::new(),
            fields: Vec::new(),
            field_names: HashSet::new(),
            form: FormSettings::default(),
        }
    }

    /// Copies an input's pages, and its form fields under names starting with `prefix`.
    fn append(&mut self, source: Source, prefix: &str) -> lopdf::Result<()> {
        let Source { document, pages } = source;
        let form = input_form(&document);
        let mut copy = Renumbering::new(document);

        // Pages get their numbers first, so references to them (a widget's /P, a link)
        // land on the copies built here rather than on plain copies.
        let new_pages: Vec<ObjectId> =
            pages.iter().map(|&page| copy.reserve(page, &mut self.out)).collect();
        for (&old, &new) in pages.iter().zip(&new_pages) {
            let mut page = materialized_page(&copy.source, old)?;
            copy.rewrite_dictionary(&mut page, &mut self.out);
            page.set("Parent", self.tree);
            self.out.objects.insert(new, page.into());
        }

        let fields =
            form.as_ref().map(|form| self.take_form(form, &mut copy)).unwrap_or_default();
        copy.copy_queued(&mut self.out);
        for &page in &new_pages {
            self.point_widgets_at(page);
        }
        for field in fields {
            self.rename_field(field, prefix);
        }
        self.pages.extend(new_pages);
        Ok(())
    }

    /// Notes an input form's settings and returns the packet ids of its fields.
    fn take_form(&mut self, form: &Dictionary, copy: &mut Renumbering) -> Vec<ObjectId> {
        let source = &copy.source;
        let setting = |key: &[u8]| form.get_deref(key, source).ok().cloned();
        let settings = &mut self.form;
        settings.sig_flags |=
            setting(b"SigFlags").and_then(|f| f.as_i64().ok()).unwrap_or(0);
        settings.need_appearances |=
            setting(b"NeedAppearances").and_then(|n| n.as_bool().ok()).unwrap_or(false);
        if settings.appearance.is_none() {
            settings.appearance = setting(b"DA").filter(|da| da.as_str().is_ok());
        }
        let resources = resolved_dictionary(source, form.get(b"DR").ok());
        let fields = setting(b"Fields").and_then(|f| f.as_array().ok().cloned());

        self.merge_resources(resources, copy);
        let fields = fields.unwrap_or_default().into_iter();
        let fields = fields.filter_map(|field| field.as_reference().ok());
        fields.filter_map(|field| copy.id(field, &mut self.out)).collect()
    }

    /// Adds the names in an input form's default resources that are not taken yet.
    fn merge_resources(&mut self, resources: Dictionary, copy: &mut Renumbering) {
        for (kind, names) in resources.iter() {
            let names = resolved_dictionary(&copy.source, Some(names));
            let mut taken =
                resolved_dictionary(&self.out, self.form.resources.get(kind).ok());
            for (name, value) in names.iter() {
                if !taken.has(name) {
                    let mut value = value.clone();
                    copy.rewrite(&mut value, &mut self.out);
                    taken.set(name.clone(), value);
                }
            }
            self.form.resources.set(kind.clone(), taken);
        }
    }

    /// Sets `/P` of every widget annotation on a page to that page.
    fn point_widgets_at(&mut self, page: ObjectId) {
        let annotations = self
            .out
            .get_dictionary(page)
            .and_then(|page| page.get_deref(b"Annots", &self.out))
            .and_then(Object::as_array)
            .map(|list| list.iter().filter_map(|a| a.as_reference().ok()).collect())
            .unwrap_or_else(|_| Vec::new());
        for annotation in annotations {
            if let Ok(widget) = self.out.get_dictionary_mut(annotation) {
                if widget.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Widget")
                {
                    widget.set("P", page);
                }
            }
        }
    }

    /// Gives a copied top-level field a name unique in the packet: the prefix, then its
    /// own name reduced to letters, digits, `-` and `_` (a partial name may not hold `.`).
    fn rename_field(&mut self, field: ObjectId, prefix: &str) {
        let Ok(dictionary) = self.out.get_dictionary_mut(field) else {
            return;
        };
        let own =
            dictionary.get(b"T").and_then(lopdf::decode_text_string).unwrap_or_default();
        let own = slug(&own);
        let base =
            if own.is_empty() { prefix.to_string() } else { format!("{prefix}-{own}") };

        let mut name = base.clone();
        let mut count = 1;
        while !self.field_names.insert(name.clone()) {
            count += 1;
            name = format!("{base}-{count}");
        }
        dictionary.set("T", text_string(&name));
        // A signature covers the bytes of the file it was made in, which the packet does
        // not keep: a copied one would show as broken, so the field is offered empty.
        let signed = dictionary.get(b"FT").and_then(Object::as_name).ok() == Some(b"Sig")
            && dictionary.remove(b"V").is_some();
        if signed {
            warn!(field = %name, "signature left out of the packet: it cannot stay valid");
        }
        self.fields.push(field);
    }

    /// Stamps "footer — page N of M" at the bottom centre of every page.
    fn stamp_footers(&mut self, footer: &str) {
        let font = self.out.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => "Helvetica",
            "Encoding" => "WinAnsiEncoding",
        });
        let save = self.out.add_object(Stream::new(Dictionary::new(), b"q\n".to_vec()));
        let total = self.pages.len();
        for (index, &page) in self.pages.iter().enumerate() {
            let text = format!("{footer} \u{2014} page {} of {total}", index + 1);
            stamp_page(&mut self.out, page, &text, font, save);
        }
    }

    /// Writes the page tree, outline, form, catalog and trailer, and saves the packet.
    fn finish(
        &mut self,
        bookmarks: &[Bookmark],
        info: Dictionary,
        id: Vec<u8>,
    ) -> Result<Vec<u8>, PacketError> {
        let kids: Vec<Object> = self.pages.iter().map(|&page| page.into()).collect();
        let count = self.pages.len() as i64;
        let tree = dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count };
        self.out.objects.insert(self.tree, tree.into());

        let destinations: Vec<Object> =
            self.pages.iter().map(|&page| destination(&self.out, page)).collect();
        let outline = add_outline(&mut self.out, bookmarks, &destinations);
        let mut catalog = dictionary! {
            "Type" => "Catalog",
            "Pages" => self.tree,
            "Outlines" => outline,
            "PageMode" => "UseOutlines",
            "ViewerPreferences" => dictionary! { "DisplayDocTitle" => true },
        };
        if !self.fields.is_empty() {
            catalog.set("AcroForm", self.form_dictionary());
        }

        let catalog = self.out.add_object(catalog);
        let info = self.out.add_object(info);
        let id = Object::String(id, lopdf::StringFormat::Hexadecimal);
        self.out.trailer.set("Root", catalog);
        self.out.trailer.set("Info", info);
        self.out.trailer.set("ID", vec![id.clone(), id]);
        let mut pdf = Vec::new();
        self.out.save_to(&mut pdf).map_err(|source| PacketError::Write { source })?;
        Ok(pdf)
    }

    /// The merged `/AcroForm`: every input's fields, under their new names.
    fn form_dictionary(&self) -> Dictionary {
        let has_signature = self.fields.iter().any(|&field| {
            let kind = self.out.get_dictionary(field).and_then(|f| f.get(b"FT"));
            kind.and_then(Object::as_name).ok() == Some(b"Sig")
        });
        let fields: Vec<Object> = self.fields.iter().map(|&field| field.into()).collect();
        // Bit 1, SignaturesExist, lets a reader offer signing without scanning the fields.
        let sig_flags = self.form.sig_flags | i64::from(has_signature);

        let mut form = dictionary! { "Fields" => fields };
        if sig_flags != 0 {
            form.set("SigFlags", sig_flags);
        }
        if self.form.need_appearances {
            form.set("NeedAppearances", true);
        }
        if !self.form.resources.is_empty() {
            form.set("DR", self.form.resources.clone());
        }
        if let Some(appearance) = &self.form.appearance {
            form.set("DA", appearance.clone());
        }
        form
    }
}

/// The input's `/AcroForm`, if it has one.
fn input_form(document: &Document) -> Option<Dictionary> {
    let catalog = document.catalog().ok()?;
    let form = catalog.get_deref(b"AcroForm", document).ok()?;
    form.as_dict().ok().cloned()
}

/// Copies objects from one input into the packet under new numbers, following references
/// from the pages and fields it is given; nothing else is copied.
struct Renumbering {
    source: Document,
    /// Input object id to packet object id, for every object copied or queued.
    ids: HashMap<ObjectId, ObjectId>,
    queue: VecDeque<ObjectId>,
}

impl Renumbering {
    fn new(source: Document) -> Self {
        Self { source, ids: HashMap::new(), queue: VecDeque::new() }
    }

    /// The packet's id for an input page, which the caller copies itself.
    fn reserve(&mut self, page: ObjectId, out: &mut Document) -> ObjectId {
        *self.ids.entry(page).or_insert_with(|| out.new_object_id())
    }

    /// The packet's id for an input object, queueing it for copying the first time;
    /// `None` for an object that does not exist or is left behind.
    fn id(&mut self, old: ObjectId, out: &mut Document) -> Option<ObjectId> {
        if let Some(&new) = self.ids.get(&old) {
            return Some(new);
        }
        let object = self.source.objects.get(&old)?;
        let kind = object.type_name().unwrap_or_default();
        if LEFT_BEHIND.contains(&kind) {
            return None;
        }
        let new = out.new_object_id();
        self.ids.insert(old, new);
        self.queue.push_back(old);
        Some(new)
    }

    /// Turns every reference inside `object` into a packet reference (or null).
    fn rewrite(&mut self, object: &mut Object, out: &mut Document) {
        match object {
            Object::Reference(old) => {
                *object = self.id(*old, out).map_or(Object::Null, Object::Reference);
            }
            Object::Array(items) => {
                items.iter_mut().for_each(|item| self.rewrite(item, out))
            }
            Object::Dictionary(dictionary) => self.rewrite_dictionary(dictionary, out),
            Object::Stream(stream) => self.rewrite_dictionary(&mut stream.dict, out),
            _ => {}
        }
    }

    fn rewrite_dictionary(&mut self, dictionary: &mut Dictionary, out: &mut Document) {
        for (_, value) in dictionary.iter_mut() {
            self.rewrite(value, out);
        }
    }

    /// Copies every queued object into the packet, and whatever they reach.
    fn copy_queued(&mut self, out: &mut Document) {
        while let Some(old) = self.queue.pop_front() {
            let Some(&new) = self.ids.get(&old) else { continue };
            let Some(mut object) = self.source.objects.remove(&old) else { continue };
            self.rewrite(&mut object, out);
            out.objects.insert(new, object);
        }
    }
}

/// A page's dictionary with its inherited attributes written in, without its parent
/// and its place in the (dropped) structure tree.
fn materialized_page(document: &Document, page: ObjectId) -> lopdf::Result<Dictionary> {
    let mut dictionary = document.get_dictionary(page)?.clone();
    for key in INHERITED {
        if !dictionary.has(key.as_bytes()) {
            if let Some(value) = inherited(document, page, key.as_bytes()) {
                dictionary.set(key, value);
            }
        }
    }
    dictionary.remove(b"Parent");
    dictionary.remove(b"StructParents");
    Ok(dictionary)
}

/// A page attribute, from the page or its nearest page-tree ancestor that has it.
fn inherited(document: &Document, page: ObjectId, key: &[u8]) -> Option<Object> {
    let mut node = document.get_dictionary(page).ok()?;
    for _ in 0..64 {
        if let Ok(value) = node.get(key) {
            return Some(value.clone());
        }
        let parent = node.get(b"Parent").and_then(Object::as_reference).ok()?;
        node = document.get_dictionary(parent).ok()?;
    }
    None
}

/// The page's visible area (crop box, else media box) as left, bottom, right, top.
fn page_box(document: &Document, page: ObjectId) -> [f64; 4] {
    let area = inherited(document, page, b"CropBox")
        .or_else(|| inherited(document, page, b"MediaBox"))
        .and_then(|area| {
            Some(document.dereference(&area).ok()?.1.as_array().ok()?.clone())
        });
    let corners: Vec<f64> = area
        .unwrap_or_default()
        .iter()
        .filter_map(|value| document.dereference(value).ok()?.1.as_float().ok())
        .map(f64::from)
        .collect();
    match corners[..] {
        [x0, y0, x1, y1] if x0 != x1 && y0 != y1 => {
            [x0.min(x1), y0.min(y1), x0.max(x1), y0.max(y1)]
        }
        _ => LETTER,
    }
}

/// An outline destination: the top left of the page, at the reader's current zoom.
fn destination(document: &Document, page: ObjectId) -> Object {
    let [left, _, _, top] = page_box(document, page);
    let (left, top) = (Object::Real(left as f32), Object::Real(top as f32));
    vec![page.into(), "XYZ".into(), left, top, Object::Null].into()
}

/// Writes the outline tree and returns its root.
fn add_outline(
    out: &mut Document,
    bookmarks: &[Bookmark],
    destinations: &[Object],
) -> ObjectId {
    let root = out.new_object_id();
    let mut outline = dictionary! { "Type" => "Outlines" };
    if let Some((first, last, count)) = add_bookmarks(out, root, bookmarks, destinations) {
        outline.set("First", first);
        outline.set("Last", last);
        outline.set("Count", count);
    }
    out.objects.insert(root, outline.into());
    root
}

/// Writes one level of bookmarks (all open) under `parent`; returns the first, the last
/// and how many entries show, theirs and their children's.
fn add_bookmarks(
    out: &mut Document,
    parent: ObjectId,
    bookmarks: &[Bookmark],
    destinations: &[Object],
) -> Option<(ObjectId, ObjectId, i64)> {
    let ids: Vec<ObjectId> = bookmarks.iter().map(|_| out.new_object_id()).collect();
    let mut shown = ids.len() as i64;
    for (index, (bookmark, &id)) in bookmarks.iter().zip(&ids).enumerate() {
        let mut entry = dictionary! {
            "Title" => text_string(&bookmark.title),
            "Parent" => parent,
            "Dest" => destinations.get(bookmark.page).cloned().unwrap_or(Object::Null),
        };
        if let Some(&previous) = index.checked_sub(1).and_then(|at| ids.get(at)) {
            entry.set("Prev", previous);
        }
        if let Some(&next) = ids.get(index + 1) {
            entry.set("Next", next);
        }
        if let Some((first, last, count)) =
            add_bookmarks(out, id, &bookmark.children, destinations)
        {
            entry.set("First", first);
            entry.set("Last", last);
            entry.set("Count", count);
            shown += count;
        }
        out.objects.insert(id, entry.into());
    }
    Some((*ids.first()?, *ids.last()?, shown))
}

/// Adds the footer to one page: its content is wrapped in `q` ... `Q` so the footer
/// starts from the default graphics state, and the footer font joins its resources.
fn stamp_page(
    out: &mut Document,
    page: ObjectId,
    text: &str,
    font: ObjectId,
    save: ObjectId,
) {
    let [left, bottom, right, _] = page_box(out, page);
    let Ok(dictionary) = out.get_dictionary(page) else {
        return;
    };
    let mut resources = resolved_dictionary(out, dictionary.get(b"Resources").ok());
    let mut fonts = resolved_dictionary(out, resources.get(b"Font").ok());
    let mut contents = match dictionary.get(b"Contents") {
        Ok(Object::Array(streams)) => streams.clone(),
        Ok(Object::Reference(id)) => match out.get_object(*id) {
            Ok(Object::Array(streams)) => streams.clone(),
            _ => vec![Object::Reference(*id)],
        },
        _ => Vec::new(),
    };

    let name = free_name(&fonts, "PacketFooter");
    fonts.set(name.clone(), font);
    resources.set("Font", fonts);
    // TODO: a page with /Rotate gets its footer along the unrotated bottom edge; turn the
    // text with the page once an input needs it.
    let width = text_width(text, FOOTER_SIZE);
    let x = (left + right - width) / 2.0;
    let footer = footer_content(&name, text, x, bottom + FOOTER_RISE);
    contents.insert(0, save.into());
    contents.push(out.add_object(Stream::new(Dictionary::new(), footer)).into());

    if let Ok(dictionary) = out.get_dictionary_mut(page) {
        dictionary.set("Resources", resources);
        dictionary.set("Contents", contents);
    }
}

/// A dictionary value, or the dictionary it refers to, copied; empty if neither.
fn resolved_dictionary(document: &Document, value: Option<&Object>) -> Dictionary {
    let resolved = value.and_then(|value| document.dereference(value).ok());
    match resolved {
        Some((_, Object::Dictionary(dictionary))) => dictionary.clone(),
        _ => Dictionary::new(),
    }
}

/// `base`, or `base2`, `base3` ... whichever the dictionary does not use yet.
fn free_name(dictionary: &Dictionary, base: &str) -> String {
    let mut name = base.to_string();
    let mut count = 1;
    while dictionary.has(name.as_bytes()) {
        count += 1;
        name = format!("{base}{count}");
    }
    name
}

/// The footer's content stream: end the page's own content (`Q`), then draw the text.
fn footer_content(font: &str, text: &str, x: f64, y: f64) -> Vec<u8> {
    let mut content = format!(
        "Q\nq\nBT\n/{font} {} Tf\n0.25 g\n1 0 0 1 {} {} Tm\n(",
        number(FOOTER_SIZE),
        number(x),
        number(y)
    )
    .into_bytes();
    for byte in win_ansi(text) {
        match byte {
            b'(' | b')' | b'\\' => content.extend([b'\\', byte]),
            0x20..=0x7e => content.push(byte),
            _ => content.extend(format!("\\{byte:03o}").into_bytes()),
        }
    }
    content.extend_from_slice(b") Tj\nET\nQ\n");
    content
}

/// A number as a PDF operand, with at most two decimals.
fn number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    format!("{rounded}")
}

/// `text` in `WinAnsiEncoding` (what the footer font uses); `?` for characters it lacks.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' => c as u8,
            '\u{a0}'..='\u{ff}' => c as u32 as u8,
            _ => WIN_ANSI_EXTRA
                .iter()
                .find(|(extra, _, _)| *extra == c)
                .map_or(b'?', |&(_, byte, _)| byte),
        })
        .collect()
}

/// How wide `text` is in Helvetica at `size`, in points.
fn text_width(text: &str, size: f64) -> f64 {
    let units: u32 = win_ansi(text).into_iter().map(helvetica_width).sum();
    f64::from(units) * size / 1000.0
}

/// The advance width of one `WinAnsiEncoding` byte in Helvetica, in thousandths of the
/// font size.
fn helvetica_width(byte: u8) -> u32 {
    match byte {
        0x20..=0x7e => u32::from(HELVETICA_ASCII[usize::from(byte - 0x20)]),
        _ => WIN_ANSI_EXTRA
            .iter()
            .find(|&&(_, extra, _)| extra == byte)
            // Latin-1 letters are near the width of a lowercase letter.
            .map_or(556, |&(_, _, width)| u32::from(width)),
    }
}

/// Helvetica's advance widths for the printable ASCII characters, space to tilde.
#[rustfmt::skip]
const HELVETICA_ASCII: [u16; 95] = [
    // space to /
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    // 0 to ?
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    // @ to O
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    // P to _
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    // ` to o
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    // p to ~
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The typographic characters `WinAnsiEncoding` places in 0x80-0x9f: the character, its
/// byte and its Helvetica width.
const WIN_ANSI_EXTRA: [(char, u8, u16); 10] = [
    ('\u{20ac}', 0x80, 556),  // euro
    ('\u{2026}', 0x85, 1000), // ellipsis
    ('\u{2018}', 0x91, 222),  // left single quote
    ('\u{2019}', 0x92, 222),  // right single quote
    ('\u{201c}', 0x93, 333),  // left double quote
    ('\u{201d}', 0x94, 333),  // right double quote
    ('\u{2022}', 0x95, 350),  // bullet
    ('\u{2013}', 0x96, 556),  // en dash
    ('\u{2014}', 0x97, 1000), // em dash
    ('\u{2122}', 0x99, 1000), // trade mark
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_digits_and_underscores() {
        assert_eq!(slug("Memorandum of Agreement"), "memorandum-of-agreement");
        assert_eq!(slug("  Decision-Making Matrix (v2.1) "), "decision-making-matrix-v2-1");
        assert_eq!(slug("ÉCOLE_partner"), "cole_partner");
    }

    #[test]
    fn first_pages_follow_the_contents() {
        assert_eq!(first_pages(2, &[3, 1, 4]), vec![2, 5, 6]);
    }

    #[test]
    fn footer_text_is_escaped_and_win_ansi() {
        let content = footer_content("F", "a (b) \\ — é ✓", 10.0, 24.0);
        let content = String::from_utf8_lossy(&content).into_owned();
        assert!(content.contains("(a \\(b\\) \\\\ \\227 \\351 ?) Tj"), "{content}");
    }

    #[test]
    fn helvetica_widths_match_the_metrics() {
        // "page" is p 556, a 556, g 556, e 556.
        assert!((text_width("page", 10.0) - 22.24).abs() < 1e-9);
        assert_eq!(helvetica_width(b'~'), 584);
        assert_eq!(helvetica_width(0x97), 1000);
    }
}
