//! Signature fields: an empty signature form field (`/FT /Sig`) over each signature line,
//! so the signer's PDF reader offers to sign there.
//!
//! The converter leaves a labelled marker at each end of a line drawn by a template's
//! `{{signature "name"}}`; after layout their positions give the field's place. The fields
//! are added to typst's PDF as an incremental update, so the typeset file is kept byte
//! for byte and only the changed page, form and catalog objects follow it; only those
//! objects are read (see `update`).

use std::collections::HashSet;

use lopdf::{
    dictionary, Dictionary, Document, IncrementalDocument, Object, ObjectId, Stream,
};
use typst::foundations::{Label, Selector, Value};
use typst::introspection::{Introspector, MetadataElem};
use typst::utils::PicoStr;
use typst_layout::PagedDocument;

use crate::pdf::convert::SIGNATURE_LABEL;
use crate::pdf::update::{read_revision, Revision};

/// How far a signature field reaches above its line, in points: room for a signature.
const FIELD_HEIGHT: f64 = 26.0;

/// How far a signature field reaches below its line, in points.
const FIELD_DEPTH: f64 = 3.0;

/// Where one signature field goes, in PDF coordinates (points, origin bottom left).
#[derive(Debug, Clone, PartialEq)]
pub struct SignaturePlace {
    /// The field's name, unique in the document.
    pub name: String,
    /// The page, counted from 1.
    pub page: usize,
    /// Left, bottom, right and top edges.
    pub rect: [f64; 4],
}

/// The signature lines of a laid-out document, in document order.
///
/// A line that starts on one page and ends on another (or never ends) is placed from
/// its start to the right margin of a field's usual width.
pub fn signature_places(document: &PagedDocument) -> Vec<SignaturePlace> {
    let Some(label) = Label::new(PicoStr::intern(SIGNATURE_LABEL)) else {
        return Vec::new();
    };
    let introspector = document.introspector();
    let markers = introspector.query(&Selector::Label(label));
    let mut names = HashSet::new();
    let mut places = Vec::new();
    let mut open: Option<(String, usize, f64, f64)> = None;

    for marker in markers.iter() {
        let Some(position) = marker.location().and_then(|at| introspector.position(at))
        else {
            continue;
        };
        let Some(Value::Str(edge)) =
            marker.to_packed::<MetadataElem>().map(|m| m.value.clone())
        else {
            continue;
        };
        let page = position.page.get();
        let (x, y) = (position.point.x.to_pt(), position.point.y.to_pt());
        if let Some(name) = edge.as_str().strip_prefix("start:") {
            open = Some((unique_name(name, &mut names), page, x, y));
            continue;
        }
        let Some((name, start_page, x0, baseline)) = open.take() else {
            continue;
        };
        let x1 = if start_page == page && x > x0 { x } else { x0 + 200.0 };
        let height = document
            .pages()
            .get(start_page - 1)
            .map_or(792.0, |p| p.frame.height().to_pt());
        let bottom = height - baseline - FIELD_DEPTH;
        places.push(SignaturePlace {
            name,
            page: start_page,
            rect: [x0, bottom, x1, bottom + FIELD_DEPTH + FIELD_HEIGHT],
        });
    }
    places
}

/// `name`, or `name-2`, `name-3` ... when a line of that name came before.
fn unique_name(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut count = 1;
    while !taken.insert(candidate.clone()) {
        count += 1;
        candidate = format!("{name}-{count}");
    }
    candidate
}

/// Adds an empty signature field at each place, returning the updated PDF.
pub fn add_signature_fields(
    pdf: Vec<u8>,
    places: &[SignaturePlace],
) -> Result<Vec<u8>, String> {
    if places.is_empty() {
        return Ok(pdf);
    }
    let wanted: Vec<usize> = places.iter().map(|place| place.page).collect();
    let (previous, pages, root) = match read_revision(&pdf, &wanted) {
        Some(Revision { document, pages, root }) => (document, pages, root),
        None => {
            let previous = Document::load_mem(&pdf).map_err(|err| err.to_string())?;
            let pages = previous.get_pages();
            let root = previous
                .trailer
                .get(b"Root")
                .and_then(Object::as_reference)
                .map_err(|err| format!("the PDF has no catalog ({err})"))?;
            (previous, pages, root)
        }
    };
    let mut update = IncrementalDocument::create_from(pdf, previous);

    let mut fields = Vec::with_capacity(places.len());
    for place in places {
        let page = *pages
            .get(&(place.page as u32))
            .ok_or_else(|| format!("the PDF has no page {}", place.page))?;
        let field = new_field(&mut update.new_document, place, page);
        add_annotation(&mut update, page, field)?;
        fields.push(Object::Reference(field));
    }
    add_to_form(&mut update, root, fields)?;

    let mut out = Vec::new();
    update.save_to(&mut out).map_err(|err| err.to_string())?;
    Ok(out)
}

/// A signature field and its widget, one object, with an empty appearance.
fn new_field(document: &mut Document, place: &SignaturePlace, page: ObjectId) -> ObjectId {
    let [left, bottom, right, top] = place.rect;
    let (width, height) = ((right - left) as f32, (top - bottom) as f32);
    let appearance = Stream::new(
        dictionary! {
            "Type" => "XObject",
            "Subtype" => "Form",
            "BBox" => vec![0.into(), 0.into(), width.into(), height.into()],
        },
        Vec::new(),
    );
    let appearance = document.add_object(appearance);
    let rect = place.rect.iter().map(|&v| Object::Real(v as f32)).collect::<Vec<_>>();
    document.add_object(dictionary! {
        "Type" => "Annot",
        "Subtype" => "Widget",
        "FT" => "Sig",
        "T" => Object::string_literal(place.name.as_str()),
        "TU" => Object::string_literal(format!("Signature: {}", place.name)),
        "Rect" => rect,
        "F" => 4,
        "P" => page,
        "AP" => dictionary! { "N" => appearance },
    })
}

/// Lists the field among the page's annotations.
fn add_annotation(
    update: &mut IncrementalDocument,
    page: ObjectId,
    field: ObjectId,
) -> Result<(), String> {
    update.opt_clone_object_to_new_document(page).map_err(|err| err.to_string())?;
    let annotations = page_dictionary(update, page)?.get(b"Annots").ok().cloned();
    match annotations {
        Some(Object::Reference(list)) => {
            update.opt_clone_object_to_new_document(list).map_err(|err| err.to_string())?;
            let list = update
                .new_document
                .get_object_mut(list)
                .and_then(Object::as_array_mut)
                .map_err(|err| format!("the page's annotations are not a list ({err})"))?;
            list.push(Object::Reference(field));
        }
        Some(Object::Array(mut list)) => {
            list.push(Object::Reference(field));
            page_dictionary(update, page)?.set("Annots", list);
        }
        _ => page_dictionary(update, page)?.set("Annots", vec![Object::Reference(field)]),
    }
    Ok(())
}

/// The page's dictionary in the update.
fn page_dictionary(
    update: &mut IncrementalDocument,
    page: ObjectId,
) -> Result<&mut Dictionary, String> {
    update
        .new_document
        .get_object_mut(page)
        .and_then(Object::as_dict_mut)
        .map_err(|err| format!("the page is not a dictionary ({err})"))
}

/// Lists the fields in the document's form (`/AcroForm`), making the form if needed.
fn add_to_form(
    update: &mut IncrementalDocument,
    root: ObjectId,
    fields: Vec<Object>,
) -> Result<(), String> {
    update.opt_clone_object_to_new_document(root).map_err(|err| err.to_string())?;
    let catalog = update
        .new_document
        .get_object_mut(root)
        .and_then(Object::as_dict_mut)
        .map_err(|err| format!("the PDF's catalog is not a dictionary ({err})"))?;
    match catalog.get_mut(b"AcroForm") {
        Ok(Object::Dictionary(form)) => match form.get_mut(b"Fields") {
            Ok(Object::Array(existing)) => existing.extend(fields),
            _ => form.set("Fields", fields),
        },
        _ => catalog.set("AcroForm", dictionary! { "Fields" => fields }),
    }
    Ok(())
}
