//! Turning one XML part of a template into handlebars source.
//!
//! Word splits what staff type into runs wherever formatting, spell-check marks, bookmarks
//! or revisions fall. Each tag is first gathered back into the run where it starts; then
//! each block tag is placed by where its pair sits: around a table row, in place of its
//! own paragraph, or left in the text. The rest of the part is copied as it was.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::docx::tags::{self, Scope, Tag};
use crate::docx::xml::{self, Node};
use crate::pdf::{SIGNATURE_END, SIGNATURE_MARK};

/// A problem with one tag of a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagProblem {
    /// The text of the paragraph holding the tag.
    pub paragraph: String,
    /// The tag as written.
    pub tag: String,
    pub problem: String,
    pub hint: Option<String>,
}

/// Where a tag sits after its pieces were gathered.
struct TagSite {
    /// The tag with typographic quotes straightened.
    text: String,
    /// The `w:t` element holding it, and the tag's index among that element's children.
    holder: Vec<usize>,
    child: usize,
    /// The paragraph holding it, and whether the tag is all the paragraph says.
    paragraph: Vec<usize>,
    paragraph_text: String,
    alone: bool,
    /// The innermost table row holding it.
    row: Option<Vec<usize>>,
    parsed: Result<Tag, String>,
}

/// A block: the tags that open it, divide it and close it.
struct Block {
    open: usize,
    otherwise: Option<usize>,
    close: usize,
}

/// A part ready to render.
#[derive(Debug, Clone)]
pub struct PreparedPart {
    /// The part as handlebars source.
    pub source: String,
    /// Every tag, in document order, as written.
    pub tags: Vec<String>,
}

/// Turns a part's XML into handlebars source, checking every tag against `sample`.
pub fn prepare_part(text: &str, sample: &Value) -> Result<PreparedPart, Vec<TagProblem>> {
    let mut nodes = xml::parse(text).map_err(|err| {
        vec![TagProblem {
            paragraph: String::new(),
            tag: String::new(),
            problem: err.to_string(),
            hint: Some("open the template in Word and save it again".into()),
        }]
    })?;
    if !text.contains("{{") {
        return Ok(PreparedPart { source: text.to_string(), tags: Vec::new() });
    }

    let mut problems = Vec::new();
    let mut sites = Vec::new();
    for paragraph in paragraph_paths(&nodes) {
        gather_tags(&mut nodes, &paragraph, &mut sites, &mut problems);
    }
    let blocks = match_blocks(&sites, &mut problems);
    check_fields(&sites, sample, &mut problems);
    if problems.is_empty() {
        place_blocks(&mut nodes, &sites, &blocks, &mut problems);
        place_signatures(&mut nodes, &sites);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut source = String::with_capacity(text.len() + 256);
    xml::write(&nodes, &mut source);
    Ok(PreparedPart { source, tags: sites.into_iter().map(|site| site.text).collect() })
}

fn node_at<'a>(nodes: &'a [Node], path: &[usize]) -> Option<&'a Node> {
    let (first, rest) = path.split_first()?;
    let node = nodes.get(*first)?;
    if rest.is_empty() {
        Some(node)
    } else {
        node_at(node.children(), rest)
    }
}

fn node_at_mut<'a>(nodes: &'a mut [Node], path: &[usize]) -> Option<&'a mut Node> {
    let (first, rest) = path.split_first()?;
    let node = nodes.get_mut(*first)?;
    if rest.is_empty() {
        return Some(node);
    }
    match node {
        Node::Element { children, .. } => node_at_mut(children, rest),
        _ => None,
    }
}

fn children_at_mut<'a>(
    nodes: &'a mut Vec<Node>,
    path: &[usize],
) -> Option<&'a mut Vec<Node>> {
    if path.is_empty() {
        return Some(nodes);
    }
    match node_at_mut(nodes, path)? {
        Node::Element { children, .. } => Some(children),
        _ => None,
    }
}

/// Every paragraph (`w:p`) of the part, in document order, nested ones included.
fn paragraph_paths(nodes: &[Node]) -> Vec<Vec<usize>> {
    fn walk(nodes: &[Node], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        for (index, node) in nodes.iter().enumerate() {
            path.push(index);
            if node.is("w:p") {
                out.push(path.clone());
            }
            walk(node.children(), path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(nodes, &mut Vec::new(), &mut out);
    out
}

/// The `w:t` elements of a paragraph, leaving out paragraphs nested inside it.
fn text_paths(paragraph: &Node, base: &[usize]) -> Vec<Vec<usize>> {
    fn walk(nodes: &[Node], path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        for (index, node) in nodes.iter().enumerate() {
            path.push(index);
            if node.is("w:t") {
                out.push(path.clone());
            } else if !node.is("w:p") {
                walk(node.children(), path, out);
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(paragraph.children(), &mut base.to_vec(), &mut out);
    out
}

/// The text of a `w:t` element, entities decoded.
fn element_text(node: &Node) -> String {
    let mut raw = String::new();
    for child in node.children() {
        if let Node::Text(text) = child {
            raw.push_str(text);
        }
    }
    match quick_xml::escape::unescape(&raw) {
        Ok(text) => text.into_owned(),
        Err(_) => raw,
    }
}

/// Moves every piece of each tag in a paragraph into the `w:t` where the tag starts.
fn gather_tags(
    nodes: &mut [Node],
    paragraph: &[usize],
    sites: &mut Vec<TagSite>,
    problems: &mut Vec<TagProblem>,
) {
    let Some(paragraph_node) = node_at(nodes, paragraph) else {
        return;
    };
    let holders = text_paths(paragraph_node, paragraph);
    let texts: Vec<String> = holders
        .iter()
        .map(|path| node_at(nodes, path).map(element_text).unwrap_or_default())
        .collect();
    let full: String = texts.concat();
    if !full.contains("{{") {
        return;
    }

    // Each character's owner: its own w:t, or the w:t where its tag starts.
    let mut owner: Vec<usize> = Vec::with_capacity(full.len());
    for (index, text) in texts.iter().enumerate() {
        owner.extend(std::iter::repeat_n(index, text.chars().count()));
    }
    let chars: Vec<char> = full.chars().collect();
    let spans = find_tags(&chars, &full, problems);
    for &(start, end) in &spans {
        let first = owner[start];
        owner[start..end].iter_mut().for_each(|o| *o = first);
    }

    let row = row_of(nodes, paragraph);
    let paragraph_text = full.trim().to_string();
    let mut pieces: Vec<Vec<Piece>> = vec![Vec::new(); holders.len()];
    let mut position = 0;
    let mut spans = spans.into_iter().peekable();
    while position < chars.len() {
        if let Some(&(start, end)) = spans.peek().filter(|(start, _)| *start == position) {
            let tag: String = chars[start..end].iter().collect();
            pieces[owner[start]].push(Piece::Tag(tags::straighten(&tag)));
            position = end;
            spans.next();
        } else {
            let holder = owner[position];
            match pieces[holder].last_mut() {
                Some(Piece::Text(text)) => text.push(chars[position]),
                _ => pieces[holder].push(Piece::Text(chars[position].to_string())),
            }
            position += 1;
        }
    }

    for (holder, pieces) in holders.iter().zip(pieces) {
        let has_tag = pieces.iter().any(|piece| matches!(piece, Piece::Tag(_)));
        let text: String = pieces.iter().map(Piece::as_text).collect();
        let original = node_at(nodes, holder).map(element_text).unwrap_or_default();
        if !has_tag && text == original {
            continue;
        }
        let Some(Node::Element { tag, children }) = node_at_mut(nodes, holder) else {
            continue;
        };
        if !tag.contains("xml:space") {
            tag.push_str(" xml:space=\"preserve\"");
        }
        children.clear();
        for piece in pieces {
            match piece {
                Piece::Text(text) => {
                    children.push(Node::Text(quick_xml::escape::escape(&text).into_owned()))
                }
                Piece::Tag(text) => {
                    let alone = tags::straighten(&paragraph_text) == text;
                    sites.push(TagSite {
                        parsed: tags::parse_tag(&text),
                        holder: holder.clone(),
                        child: children.len(),
                        paragraph: paragraph.to_vec(),
                        paragraph_text: paragraph_text.clone(),
                        alone,
                        row: row.clone(),
                        text: text.clone(),
                    });
                    children.push(Node::Marker(text));
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    Tag(String),
}

impl Piece {
    fn as_text(&self) -> &str {
        match self {
            Piece::Text(text) | Piece::Tag(text) => text,
        }
    }
}

/// Finds `{{...}}` spans (as character ranges), reporting tags left open.
fn find_tags(
    chars: &[char],
    full: &str,
    problems: &mut Vec<TagProblem>,
) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut index = 0;
    while index + 1 < chars.len() {
        if !(chars[index] == '{' && chars[index + 1] == '{') {
            index += 1;
            continue;
        }
        let start = index;
        let close = (start + 2..chars.len().saturating_sub(1))
            .find(|&i| chars[i] == '}' && chars[i + 1] == '}');
        let nested = (start + 2..close.unwrap_or(chars.len()).saturating_sub(1))
            .find(|&i| chars[i] == '{' && chars[i + 1] == '{');
        let Some(close) = close.filter(|_| nested.is_none()) else {
            let tag: String = chars[start..nested.unwrap_or(chars.len()).min(start + 40)]
                .iter()
                .collect();
            problems.push(TagProblem {
                paragraph: full.trim().to_string(),
                tag: tag.trim_end().to_string(),
                problem: "the tag is never closed with `}}`".into(),
                hint: Some("finish the tag with two closing braces".into()),
            });
            index = nested.unwrap_or(chars.len());
            continue;
        };
        // `}}}` closes a triple-brace tag: keep the third brace with the tag.
        let mut end = close + 2;
        if chars.get(end) == Some(&'}') && chars.get(start + 2) == Some(&'{') {
            end += 1;
        }
        spans.push((start, end));
        index = end;
    }
    spans
}

/// The innermost table row (`w:tr`) above a path.
fn row_of(nodes: &[Node], path: &[usize]) -> Option<Vec<usize>> {
    (1..path.len()).rev().map(|len| &path[..len]).find_map(|prefix| {
        node_at(nodes, prefix).filter(|node| node.is("w:tr")).map(|_| prefix.to_vec())
    })
}

fn problem(site: &TagSite, problem: impl Into<String>, hint: Option<&str>) -> TagProblem {
    TagProblem {
        paragraph: site.paragraph_text.clone(),
        tag: site.text.clone(),
        problem: problem.into(),
        hint: hint.map(str::to_string),
    }
}

/// Pairs block tags, reporting tags that are malformed, unpaired or crossed.
fn match_blocks(sites: &[TagSite], problems: &mut Vec<TagProblem>) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Vec<(usize, Option<usize>)> = Vec::new();
    for (index, site) in sites.iter().enumerate() {
        match &site.parsed {
            Err(message) => problems.push(problem(site, message.clone(), None)),
            Ok(Tag::Open { .. }) => open.push((index, None)),
            Ok(Tag::Else) => match open.last_mut() {
                Some((_, otherwise @ None)) => *otherwise = Some(index),
                Some(_) => {
                    problems.push(problem(site, "a block has two `{{else}}` tags", None))
                }
                None => problems.push(problem(site, "`{{else}}` outside any block", None)),
            },
            Ok(Tag::Close { name }) => match open.pop() {
                Some((start, otherwise)) => {
                    let opened = match &sites[start].parsed {
                        Ok(Tag::Open { name, .. }) => name.as_str(),
                        _ => "",
                    };
                    if opened == name {
                        blocks.push(Block { open: start, otherwise, close: index });
                    } else {
                        let message =
                            format!("`{}` closes `{}`", site.text, sites[start].text);
                        problems.push(problem(
                            site,
                            message,
                            Some("close the inner block first"),
                        ));
                    }
                }
                None => problems.push(problem(
                    site,
                    "this closes a block that was never opened",
                    None,
                )),
            },
            Ok(_) => {}
        }
    }
    for (start, _) in open {
        let hint = Some("add the closing tag, e.g. {{/each}} or {{/if}}");
        problems.push(problem(&sites[start], "the block is never closed", hint));
    }
    blocks
}

/// Checks each tag's fields and helpers against the sample, block by block.
fn check_fields(sites: &[TagSite], sample: &Value, problems: &mut Vec<TagProblem>) {
    let mut scope = Scope::new(sample);
    for site in sites {
        let result = match &site.parsed {
            Ok(Tag::Open { name, args }) => scope.open(name, args),
            Ok(Tag::Close { .. }) => {
                scope.close();
                Ok(())
            }
            Ok(Tag::Insert { head, args }) => scope.check_insert(head, args),
            _ => Ok(()),
        };
        if let Err(message) = result {
            problems.push(problem(site, message, None));
        }
    }
}

/// Where a block's tags go, by where its opening and closing tags sit.
#[derive(Debug, PartialEq, Eq)]
enum Placement {
    Inline,
    Paragraphs,
    Row(Vec<usize>),
}

fn placement(sites: &[TagSite], block: &Block) -> Result<Placement, &'static str> {
    let (open, close) = (&sites[block.open], &sites[block.close]);
    let otherwise = block.otherwise.map(|i| &sites[i]);
    let parent = |site: &TagSite| site.paragraph[..site.paragraph.len() - 1].to_vec();
    let own_paragraph = |site: &TagSite| site.alone && parent(site) == parent(open);
    let same_paragraph = open.paragraph == close.paragraph;
    let own_paragraphs = !same_paragraph
        && own_paragraph(open)
        && own_paragraph(close)
        && otherwise.is_none_or(own_paragraph);

    // In a table row, a pair repeats or removes the row, unless the tags have paragraphs
    // of their own in one cell, or an `{{else}}` shares their paragraph (text in a cell).
    let in_one_row = open.row.is_some() && open.row == close.row;
    let else_in_text = otherwise.is_some_and(|site| site.paragraph == open.paragraph);
    if in_one_row && !own_paragraphs && !(same_paragraph && else_in_text) {
        return match (otherwise, &open.row) {
            (None, Some(row)) => Ok(Placement::Row(row.clone())),
            _ => Err("`{{else}}` cannot be used in a block that repeats a table row"),
        };
    }
    if same_paragraph {
        return match otherwise {
            Some(site) if site.paragraph != open.paragraph => Err(
                "the `{{else}}` must sit in the same paragraph as the block's other tags",
            ),
            _ => Ok(Placement::Inline),
        };
    }
    if own_paragraphs {
        return Ok(Placement::Paragraphs);
    }
    Err("the block's tags are in different paragraphs or table rows, so there is nothing \
         whole to repeat or remove")
}

/// Moves block tags to where they act: around rows, or in place of their paragraphs.
fn place_blocks(
    nodes: &mut Vec<Node>,
    sites: &[TagSite],
    blocks: &[Block],
    problems: &mut Vec<TagProblem>,
) {
    let mut around_rows: BTreeMap<Vec<usize>, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    let mut paragraphs = Vec::new();
    for block in blocks {
        match placement(sites, block) {
            Ok(Placement::Inline) => {}
            Ok(Placement::Paragraphs) => {
                paragraphs.extend([Some(block.open), block.otherwise, Some(block.close)].into_iter().flatten());
            }
            Ok(Placement::Row(row)) => {
                let entry = around_rows.entry(row).or_default();
                entry.0.push(block.open);
                entry.1.push(block.close);
            }
            Err(message) => problems.push(problem(
                &sites[block.open],
                message,
                Some("put the opening and closing tags in the same table row, each alone in \
                      its own paragraph, or both in one paragraph"),
            )),
        }
    }
    if !problems.is_empty() {
        return;
    }

    for index in paragraphs {
        let site = &sites[index];
        if let Some(node) = node_at_mut(nodes, &site.paragraph) {
            *node = Node::Marker(site.text.clone());
        }
    }
    for (row, (mut opens, mut closes)) in around_rows.into_iter().rev() {
        opens.sort_unstable();
        closes.sort_unstable();
        let before: String = opens.iter().map(|&i| take_tag(nodes, &sites[i])).collect();
        let after: String = closes.iter().map(|&i| take_tag(nodes, &sites[i])).collect();
        let Some((index, parent)) = row.split_last() else {
            continue;
        };
        if let Some(siblings) = children_at_mut(nodes, parent) {
            siblings.insert(index + 1, Node::Marker(after));
            siblings.insert(*index, Node::Marker(before));
        }
    }
}

/// Removes a tag from the text it sits in, returning it.
fn take_tag(nodes: &mut [Node], site: &TagSite) -> String {
    if let Some(Node::Element { children, .. }) = node_at_mut(nodes, &site.holder) {
        if let Some(child) = children.get_mut(site.child) {
            *child = Node::Text(String::new());
        }
    }
    site.text.clone()
}

/// How many underscores a signature line is drawn with.
const SIGNATURE_LINE: usize = 30;

/// Turns each `{{signature "name"}}` into a signature line: underscores in the tag's own
/// formatting between two hidden runs that tell the PDF stage where the field goes.
///
/// The tag's run is closed before the line and reopened after it with the same
/// formatting, so the text after the tag reads as before.
fn place_signatures(nodes: &mut [Node], sites: &[TagSite]) {
    for site in sites {
        let Ok(Tag::Insert { head, args }) = &site.parsed else {
            continue;
        };
        let Some(tags::Arg::Text(name)) = args.first().filter(|_| head == "signature")
        else {
            continue;
        };
        let run_path = &site.holder[..site.holder.len().saturating_sub(1)];
        let mut properties = String::new();
        if let Some(run) = node_at(nodes, run_path).filter(|n| n.is("w:r")) {
            if let Some(rpr) = run.children().iter().find(|n| n.is("w:rPr")) {
                xml::write(std::slice::from_ref(rpr), &mut properties);
            }
        }
        let hidden = |text: &str| {
            format!(
                "<w:r><w:rPr><w:vanish/></w:rPr><w:t xml:space=\"preserve\">{text}</w:t></w:r>"
            )
        };
        let line = format!(
            "</w:t></w:r>{}<w:r>{properties}<w:t xml:space=\"preserve\">{}</w:t></w:r>{}\
             <w:r>{properties}<w:t xml:space=\"preserve\">",
            hidden(&format!("{SIGNATURE_MARK}{name}")),
            "_".repeat(SIGNATURE_LINE),
            hidden(SIGNATURE_END),
        );
        if let Some(Node::Element { children, .. }) = node_at_mut(nodes, &site.holder) {
            if let Some(child) = children.get_mut(site.child) {
                *child = Node::Marker(line);
            }
        }
    }
}
