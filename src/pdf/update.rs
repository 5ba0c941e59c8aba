//! Reading a PDF for an incremental update: only the objects the update changes.
//!
//! An update appends new versions of a few objects (the catalog, some pages) after the
//! file's bytes. lopdf writes the update, but it would load every object of the file
//! first, and a tagged agreement has hundreds of small structure objects the update
//! never touches. hayro's reader finds objects through the cross-reference table only
//! when asked, so just the catalog, the page tree and the changed pages are read; they
//! are then handed to lopdf as a partial document that carries the file's trailer.

use std::collections::BTreeMap;

use hayro_syntax::object::{Dict, MaybeRef, Object as HayroObject, ObjectIdentifier};
use hayro_syntax::reader::{Reader, ReaderExt};
use hayro_syntax::Pdf;
use lopdf::xref::XrefType;
use lopdf::{Dictionary, Document, Object, ObjectId, StringFormat};

/// A PDF's last revision as far as an update needs it.
pub(crate) struct Revision {
    /// The catalog, the given pages (with their indirect annotation lists) and the
    /// file's trailer; enough for [`lopdf::IncrementalDocument::create_from`].
    pub document: Document,
    /// Each page's object, by page number from 1.
    pub pages: BTreeMap<u32, ObjectId>,
    /// The catalog's object.
    pub root: ObjectId,
}

/// Reads the catalog, the trailer and the pages numbered in `wanted` (from 1).
///
/// `None` when the file is not one this reader takes on (an encrypted file, a
/// cross-reference stream, a damaged table); the caller then loads it whole.
pub(crate) fn read_revision(pdf: &[u8], wanted: &[usize]) -> Option<Revision> {
    let (trailer, xref_start) = last_trailer(pdf)?;
    if trailer.contains_key(b"Encrypt") {
        return None;
    }
    let size = trailer.get::<u32>(b"Size")?;
    let parsed = Pdf::new(pdf.to_vec()).ok()?;
    let root = parsed.xref().root_id();
    let catalog = parsed.xref().get::<Dict<'_>>(root)?;

    let mut document = Document::new();
    document.trailer = dictionary(&trailer)?;
    document.xref_start = xref_start;
    document.max_id = size.checked_sub(1)?;
    document.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
    document.objects.insert(id(root)?, Object::Dictionary(dictionary(&catalog)?));

    let mut pages = BTreeMap::new();
    for (number, page) in (1u32..).zip(parsed.pages().iter()) {
        let page_id = page.raw().obj_id()?;
        pages.insert(number, id(page_id)?);
        if !wanted.contains(&(number as usize)) {
            continue;
        }
        document.objects.insert(id(page_id)?, Object::Dictionary(dictionary(page.raw())?));
        // An annotation list kept as an object of its own is changed too.
        if let Some(list) = page.raw().get_ref(b"Annots") {
            let list_id = ObjectIdentifier::from(list);
            let items = parsed.xref().get::<hayro_syntax::object::Array<'_>>(list_id)?;
            let items = items.raw_iter().map(value).collect::<Option<Vec<_>>>()?;
            document.objects.insert(id(list_id)?, Object::Array(items));
        }
    }
    Some(Revision { document, pages, root: id(root)? })
}

/// The file's last trailer and where its cross-reference table starts, when that is a
/// table (`xref`) rather than a stream.
fn last_trailer(pdf: &[u8]) -> Option<(Dict<'_>, usize)> {
    let tail = pdf.len().saturating_sub(2048);
    let startxref = tail + find_last(&pdf[tail..], b"startxref")?;
    let digits = pdf[startxref + b"startxref".len()..]
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take_while(|b| b.is_ascii_digit())
        .map(|&b| char::from(b))
        .collect::<String>();
    let xref_start: usize = digits.parse().ok()?;
    if !pdf.get(xref_start..)?.starts_with(b"xref") {
        return None;
    }

    let keyword = xref_start + find_last(&pdf[xref_start..startxref], b"trailer")?;
    let mut reader = Reader::new_with(pdf, keyword + b"trailer".len());
    reader.skip_white_spaces_and_comments();
    let trailer = reader.read_without_context::<Dict<'_>>()?;
    Some((trailer, xref_start))
}

/// Where `needle` last occurs in `haystack`.
fn find_last(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|window| window == needle)
}

/// An object identifier as lopdf counts it.
fn id(object: ObjectIdentifier) -> Option<ObjectId> {
    Some((u32::try_from(object.obj_number).ok()?, u16::try_from(object.gen_number).ok()?))
}

/// A dictionary as lopdf holds it (references kept as references).
fn dictionary(dict: &Dict<'_>) -> Option<Dictionary> {
    let mut out = Dictionary::new();
    for (key, item) in dict.entries() {
        out.set(key.as_ref().to_vec(), value(item)?);
    }
    Some(out)
}

/// A value as lopdf holds it; `None` for a stream, which is never inline.
fn value(item: MaybeRef<HayroObject<'_>>) -> Option<Object> {
    let object = match item {
        MaybeRef::Ref(reference) => return Some(Object::Reference(id(reference.into())?)),
        MaybeRef::NotRef(object) => object,
    };
    Some(match object {
        HayroObject::Null(_) => Object::Null,
        HayroObject::Boolean(b) => Object::Boolean(b),
        HayroObject::Number(n) => {
            let real = n.as_f64();
            if real.fract() == 0.0 && real.abs() < 1e15 {
                Object::Integer(n.as_i64())
            } else {
                Object::Real(n.as_f32())
            }
        }
        HayroObject::String(s) => {
            Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
        }
        HayroObject::Name(name) => Object::Name(name.as_ref().to_vec()),
        HayroObject::Dict(dict) => Object::Dictionary(dictionary(&dict)?),
        HayroObject::Array(array) => {
            Object::Array(array.raw_iter().map(value).collect::<Option<Vec<_>>>()?)
        }
        HayroObject::Stream(_) => return None,
    })
}
