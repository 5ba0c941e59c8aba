//! `report.html` read back as HTML: the counts, the chart, the partnerships and their
//! document links, the rejected rows, escaping, and identical bytes for identical inputs.

// Helpers here are test code too: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use support::partnership::{date, partnership};

use partnerdocs::config::Config;
use partnerdocs::intake::{DataShared, Money, Partnership, Problem, ProgramScope, Source};
use partnerdocs::level::Level;
use partnerdocs::outputs::report::{write_report, ReportCounts, ReportRow};
use partnerdocs::rubric::{assess, Assessment};
use percent_encoding::percent_decode_str;
use scraper::{ElementRef, Html, Selector};

/// A partner name a spreadsheet could hold that must come out as text.
const HOSTILE_NAME: &str = "<script>alert(\"hi\")</script> Smith & Sons 'Ltd'";

/// Three partnerships: low, high with a hostile partner name, and low overridden to
/// medium.
fn partnerships() -> Vec<Partnership> {
    let base = partnership();
    vec![
        base.clone(),
        Partnership {
            partnership_id: "P-002".into(),
            partner_name: HOSTILE_NAME.into(),
            program_name: "Reading & Writing \"Plus\"".into(),
            program_scope: ProgramScope::Instructional,
            contact_hours_per_week: 12.0,
            schools: (1..=12).map(|n| format!("School {n}")).collect(),
            district_funds: Money(9_000_000),
            data_shared: DataShared::StudentLevel,
            start_date: date(2026, 8, 15),
            end_date: date(2028, 6, 30),
            district_priorities: (1..=4).map(|n| format!("Priority {n}")).collect(),
            source: Source { row: 10, ..base.source.clone() },
            ..base.clone()
        },
        Partnership {
            partnership_id: "P-003".into(),
            partner_name: "Eastside Arts Collective".into(),
            program_name: "Mural Club".into(),
            intensity_override: Some(Level::Medium),
            override_reason: Some("Board asked for <b>review</b>".into()),
            source: Source { file: "fall.csv".into(), sheet: "fall".into(), row: 3 },
            ..base
        },
    ]
}

fn assessments(partnerships: &[Partnership]) -> Vec<Assessment> {
    let config = Config::defaults().unwrap();
    partnerships.iter().map(|p| assess(p, &config)).collect()
}

/// The documents of a partnership whose folder name holds a space, `#`, `?` and `%`.
fn documents(id: &str) -> Vec<(String, String)> {
    let folder = format!("{id} Smith #1? 100%");
    vec![
        ("MOA (Word)".into(), format!("agreements/{folder}/{folder} - MOA.docx")),
        (
            "Decision-Making Matrix (Word)".into(),
            format!("agreements/{folder}/{folder} - Decision-Making Matrix.docx"),
        ),
    ]
}

fn problems() -> Vec<Problem> {
    vec![
        Problem {
            row: Some(7),
            column: "Start Date".into(),
            value: "13/45/2027".into(),
            ..Problem::sheet("requests.xlsx", "Partnerships", "not a date")
        }
        .with_hint("write dates as 2027-01-15"),
        Problem::file("broken & old.xlsx", "failed to open the workbook: <corrupt>"),
    ]
}

fn counts(assessments: &[Assessment], rejected: usize) -> ReportCounts {
    let mut levels = [0; 3];
    for a in assessments {
        levels[Level::ALL.iter().position(|&l| l == a.intensity).unwrap()] += 1;
    }
    ReportCounts {
        rows_read: assessments.len() + rejected,
        accepted: assessments.len(),
        rejected,
        levels,
        board_notification: assessments
            .iter()
            .filter(|a| a.routing.board_notification)
            .count(),
        board_approval: assessments.iter().filter(|a| a.routing.board_approval).count(),
        documents: 4,
        documents_edited: 2,
        archived_folders: 1,
    }
}

/// The report over [`partnerships`] and [`problems`], as bytes.
fn render() -> Vec<u8> {
    let partnerships = partnerships();
    let assessments = assessments(&partnerships);
    let rows: Vec<ReportRow> = partnerships
        .iter()
        .zip(&assessments)
        .map(|(partnership, assessment)| ReportRow {
            partnership,
            assessment,
            documents: documents(&partnership.partnership_id),
        })
        .collect();
    let counts = counts(&assessments, 1);
    let mut out = Vec::new();
    write_report(
        &mut out,
        "Riverside Unified School District",
        date(2026, 12, 3),
        &counts,
        &rows,
        &problems(),
    )
    .unwrap();
    out
}

fn page() -> Html {
    let html = Html::parse_document(&String::from_utf8(render()).unwrap());
    assert!(html.errors.is_empty(), "{:?}", html.errors);
    html
}

fn select<'a>(html: &'a Html, selector: &str) -> Vec<ElementRef<'a>> {
    html.select(&Selector::parse(selector).unwrap()).collect()
}

fn text(element: &ElementRef) -> String {
    element.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The text of each cell of each body row of the table in section `id`.
fn table_cells(html: &Html, id: &str) -> Vec<Vec<String>> {
    let cell = Selector::parse("th, td").unwrap();
    select(html, &format!("#{id} table tbody tr"))
        .iter()
        .map(|row| row.select(&cell).map(|c| text(&c)).collect())
        .collect()
}

#[test]
fn fixture_levels_are_low_high_and_overridden_medium() {
    let got: Vec<_> = assessments(&partnerships())
        .iter()
        .map(|a| (a.computed_intensity, a.intensity))
        .collect();
    assert_eq!(
        got,
        [(Level::Low, Level::Low), (Level::High, Level::High), (Level::Low, Level::Medium)]
    );
}

#[test]
fn heading_names_the_district_and_the_run_date() {
    let html = page();
    let title = text(&select(&html, "title")[0]);
    assert_eq!(title, "Riverside Unified School District \u{2014} Partnership report");
    assert_eq!(
        text(&select(&html, "header .district")[0]),
        "Riverside Unified School District"
    );
    assert_eq!(text(&select(&html, "h1")[0]), "Partnership report");
    let time = select(&html, "header time")[0];
    assert_eq!(text(&time), "December 3, 2026");
    assert_eq!(time.attr("datetime"), Some("2026-12-03"));
}

#[test]
fn summary_shows_every_count() {
    let html = page();
    let shown: BTreeMap<String, String> = select(&html, "#summary dd[data-count]")
        .iter()
        .map(|dd| (dd.attr("data-count").unwrap().to_string(), text(dd)))
        .collect();
    let given = counts(&assessments(&partnerships()), 1);
    let [low, medium, high] = given.levels;
    let expected: BTreeMap<String, String> = [
        ("rows_read", given.rows_read),
        ("accepted", given.accepted),
        ("rejected", given.rejected),
        ("low", low),
        ("medium", medium),
        ("high", high),
        ("board_notification", given.board_notification),
        ("board_approval", given.board_approval),
        ("documents", given.documents),
        ("documents_edited", given.documents_edited),
        ("archived_folders", given.archived_folders),
    ]
    .iter()
    .map(|(key, count)| (key.to_string(), count.to_string()))
    .collect();
    assert_eq!((given.rows_read, given.accepted, given.levels), (4, 3, [1, 1, 1]));
    assert_eq!(shown, expected);
}

/// Each bar's level, count and rectangle height.
fn bars(html: &Html) -> Vec<(String, usize, f64)> {
    let rect = Selector::parse("rect").unwrap();
    select(html, "svg g.bar")
        .iter()
        .map(|bar| {
            let height = bar.select(&rect).next().unwrap().attr("height").unwrap();
            (
                bar.attr("data-level").unwrap().to_string(),
                text(&bar.select(&Selector::parse("text.count").unwrap()).next().unwrap())
                    .parse()
                    .unwrap(),
                height.parse().unwrap(),
            )
        })
        .collect()
}

fn render_counts(levels: [usize; 3]) -> Html {
    let counts = ReportCounts { levels, ..ReportCounts::default() };
    let mut out = Vec::new();
    write_report(&mut out, "District", date(2026, 1, 5), &counts, &[], &[]).unwrap();
    Html::parse_document(&String::from_utf8(out).unwrap())
}

#[test]
fn chart_has_three_bars_scaled_to_their_counts() {
    let html = render_counts([6, 3, 0]);
    let svg = select(&html, "svg")[0];
    assert_eq!(svg.attr("role"), Some("img"));
    assert_eq!(
        text(&select(&html, "svg title#chart-title")[0]),
        "Partnerships per intensity level"
    );
    assert_eq!(text(&select(&html, "svg desc")[0]), "6 low, 3 medium, 0 high");

    let bars = bars(&html);
    let levels: Vec<&str> = bars.iter().map(|(level, _, _)| level.as_str()).collect();
    assert_eq!(levels, ["low", "medium", "high"]);
    let counts: Vec<usize> = bars.iter().map(|(_, count, _)| *count).collect();
    assert_eq!(counts, [6, 3, 0]);
    let (tallest, half, none) = (bars[0].2, bars[1].2, bars[2].2);
    assert!(tallest > 0.0);
    assert!((half / tallest - 0.5).abs() < 0.01, "{half} / {tallest}");
    assert_eq!(none, 0.0);
}

#[test]
fn chart_with_no_partnerships_draws_empty_bars() {
    let html = render_counts([0, 0, 0]);
    let heights: Vec<f64> = bars(&html).iter().map(|(_, _, height)| *height).collect();
    assert_eq!(heights, [0.0, 0.0, 0.0]);
    assert_eq!(text(&select(&html, "svg text.empty")[0]), "No accepted partnerships");
    assert_eq!(
        text(&select(&html, "#partnerships p.none")[0]),
        "No partnerships were accepted."
    );
    assert_eq!(text(&select(&html, "#rejected p.none")[0]), "No rows were rejected.");
}

#[test]
fn partnerships_table_shows_each_row_in_order() {
    let html = page();
    let headings: Vec<String> =
        select(&html, "#partnerships thead th").iter().map(text).collect();
    assert_eq!(
        headings,
        [
            "Partnership ID",
            "Partner",
            "Program",
            "Intensity",
            "Points",
            "Flags",
            "Review date",
            "Source",
            "Documents"
        ]
    );
    let rows = table_cells(&html, "partnerships");
    assert_eq!(rows.len(), 3);

    let assessments = assessments(&partnerships());
    let high = &rows[1];
    assert_eq!(high[0], "P-002");
    assert_eq!(high[1], HOSTILE_NAME);
    assert_eq!(high[2], "Reading & Writing \"Plus\"");
    assert_eq!(high[3], "High");
    assert_eq!(high[4], assessments[1].points.to_string());
    assert!(high[5].contains("Board approval"), "{}", high[5]);
    assert_eq!(high[6], assessments[1].routing.review_date.to_string());
    assert_eq!(high[7], "requests.xlsx, sheet Partnerships, row 10");
    assert_eq!(high[8], "MOA (Word) Decision-Making Matrix (Word)");

    assert_eq!(rows[0][5], "None");
    assert_eq!(
        rows[2][3],
        "Medium Overridden; computed Low. Reason: Board asked for <b>review</b>"
    );
    assert_eq!(rows[2][7], "fall.csv, sheet fall, row 3");
}

#[test]
fn intensity_cells_sort_by_level_not_by_name() {
    let html = page();
    let keys: Vec<&str> = select(&html, "#partnerships tbody td[data-sort]")
        .iter()
        .map(|td| td.attr("data-sort").unwrap())
        .collect();
    assert_eq!(keys, ["0", "2", "1"]);
}

#[test]
fn document_links_are_relative_and_decode_to_the_paths() {
    let html = page();
    let links = select(&html, "#partnerships td.documents a");
    let expected: Vec<(String, String)> =
        ["P-001", "P-002", "P-003"].iter().flat_map(|id| documents(id)).collect();
    assert_eq!(links.len(), expected.len());
    for (link, (label, path)) in links.iter().zip(&expected) {
        let href = link.attr("href").unwrap();
        assert!(href.starts_with("agreements/"), "{href}");
        assert!(!href.contains([' ', '#', '?']), "{href}");
        assert_eq!(percent_decode_str(href).decode_utf8().unwrap(), path.as_str());
        assert_eq!(text(link), *label);
    }
}

#[test]
fn spreadsheet_values_come_out_as_text() {
    let bytes = render();
    let raw = String::from_utf8(bytes).unwrap();
    assert!(!raw.contains("<script>alert"));
    assert!(!raw.contains("<b>review"));
    assert!(raw.contains(
        "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt; Smith &amp; Sons &#39;Ltd&#39;"
    ));

    let html = page();
    assert_eq!(select(&html, "script").len(), 1, "only the page's own script");
    assert!(select(&html, "main b").is_empty());
}

#[test]
fn rejected_rows_show_where_and_what() {
    let html = page();
    let rows = table_cells(&html, "rejected");
    assert_eq!(
        rows,
        [
            vec![
                "requests.xlsx",
                "Partnerships",
                "7",
                "Start Date",
                "13/45/2027",
                "not a date Hint: write dates as 2027-01-15"
            ],
            vec![
                "broken & old.xlsx",
                "",
                "",
                "",
                "",
                "failed to open the workbook: <corrupt>"
            ],
        ]
    );
    assert_eq!(
        text(&select(&html, "#rejected .hint")[0]),
        "Hint: write dates as 2027-01-15"
    );
}

#[test]
fn page_needs_no_network() {
    let raw = String::from_utf8(render()).unwrap();
    for reference in ["http:", "https:", "//", "src=", "<link", "@import", "url("] {
        let outside_script = raw.split("<script>").next().unwrap();
        assert!(!outside_script.contains(reference), "{reference}");
    }
    let script = raw.split("<script>").nth(1).unwrap();
    for call in ["fetch(", "XMLHttpRequest", "import(", "http"] {
        assert!(!script.contains(call), "{call}");
    }
}

#[test]
fn same_inputs_give_the_same_bytes() {
    assert_eq!(render(), render());
}
