//! Intake over real spreadsheets in every format, and every kind of bad input.
#![allow(clippy::unwrap_used)] // a failed step should stop the test where it happened

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use partnerdocs::config::Config;
use partnerdocs::intake::{
    read_inputs, DataShared, Intake, Money, Partnership, ProgramScope,
};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path)
}

/// A temporary inputs folder holding copies of the named fixtures.
fn folder_with(fixtures: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for name in fixtures {
        let source = fixture(name);
        let file_name = source.file_name().unwrap();
        std::fs::copy(&source, dir.path().join(file_name)).unwrap();
    }
    dir
}

fn read(dir: &Path) -> Intake {
    read_inputs(dir, &Config::defaults().unwrap()).unwrap()
}

fn read_fixtures(fixtures: &[&str]) -> Intake {
    read(folder_with(fixtures).path())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn find<'a>(intake: &'a Intake, id: &str) -> &'a Partnership {
    intake.partnerships.iter().find(|p| p.partnership_id == id).unwrap()
}

/// A record without where it came from, for comparing across formats.
fn without_source(partnership: &Partnership) -> Partnership {
    let mut copy = partnership.clone();
    copy.source.file.clear();
    copy.source.sheet.clear();
    for decision in &mut copy.decisions {
        decision.source.file.clear();
        decision.source.sheet.clear();
    }
    copy
}

#[test]
fn every_format_gives_identical_records() {
    let xlsx = read_fixtures(&["formats/partnerships.xlsx"]);
    let others = [
        read_fixtures(&["formats/partnerships.xls"]),
        read_fixtures(&["formats/partnerships.ods"]),
        read_fixtures(&["formats/partnerships.csv", "formats/partnerships.decisions.csv"]),
    ];
    assert!(xlsx.problems.is_empty(), "{:?}", xlsx.problems);
    assert_eq!(xlsx.partnerships.len(), 6);
    let expected: Vec<_> = xlsx.partnerships.iter().map(without_source).collect();
    for (intake, name) in others.iter().zip(["xls", "ods", "csv"]) {
        assert!(intake.problems.is_empty(), "{name}: {:?}", intake.problems);
        let got: Vec<_> = intake.partnerships.iter().map(without_source).collect();
        for (want, got) in expected.iter().zip(&got) {
            assert_eq!(want, got, "{name} differs from xlsx");
        }
        assert_eq!(got.len(), expected.len(), "{name}");
    }
}

#[test]
fn format_fixture_values_are_read_as_intended() {
    let intake = read_fixtures(&["formats/partnerships.xlsx"]);

    let fair = find(&intake, "FMT-001");
    assert_eq!(
        fair.partner_address.as_deref(),
        Some("4100 Museum Drive\nSuite 200\nRiverside, CA 92501")
    );
    assert_eq!(fair.start_date, date(2027, 1, 15));
    assert_eq!(fair.in_kind_value, Money(75_050));
    assert_eq!(fair.contact_hours_per_week, 0.5);
    assert_eq!(fair.extra.get("Grant Code").map(String::as_str), Some("GC-1001"));
    assert_eq!(fair.source.row, 2);

    let reading = find(&intake, "FMT-002");
    assert_eq!(
        reading.schools,
        ["Lincoln Elementary", "Jefferson Elementary", "Madison Elementary"]
    );
    assert_eq!(reading.partner_funds, Money(1_250_000));
    assert_eq!(reading.district_priorities, ["Early literacy", "Family engagement"]);

    let tutoring = find(&intake, "FMT-003");
    assert_eq!(tutoring.schools, ["Oak Park Middle School", "Riverbend Middle School"]);
    assert_eq!(tutoring.program_scope, ProgramScope::Supplemental);
    assert_eq!(tutoring.data_shared, DataShared::DeIdentified);

    let stem = find(&intake, "FMT-004");
    assert!(stem.district_wide);
    assert_eq!(stem.board_meeting, Some(date(2027, 2, 11)));
    assert_eq!(stem.decisions.len(), 3);
    assert_eq!(stem.decisions[0].decision, "Program design");
    assert_eq!(
        stem.decisions[2].notes,
        "Student-level data under the data-sharing agreement"
    );

    let wellness = find(&intake, "FMT-005");
    assert_eq!(wellness.intensity_override, Some(partnerdocs::level::Level::High));
    assert_eq!(
        wellness.override_reason.as_deref(),
        Some("Board recategorized at its November 2026 meeting")
    );
    assert_eq!(wellness.decisions.len(), 2);

    let career = find(&intake, "FMT-006");
    assert_eq!(career.partner_type, None);
    assert_eq!(career.total_resources(), Money(0));
    assert_eq!(intake.stats.decision_rows, 5);
}

#[test]
fn dates_in_the_1904_system_are_read_correctly() {
    let intake = read_fixtures(&["cases/date1904.xlsx"]);
    assert!(intake.problems.is_empty(), "{:?}", intake.problems);
    let field_day = find(&intake, "D1904-001");
    assert_eq!(
        (field_day.start_date, field_day.end_date),
        (date(2027, 1, 15), date(2027, 1, 15))
    );
    let mentors = find(&intake, "D1904-002");
    assert_eq!(
        (mentors.start_date, mentors.end_date),
        (date(2026, 9, 1), date(2028, 5, 31))
    );
}

#[test]
fn header_below_title_rows_is_found_and_rows_keep_their_numbers() {
    let intake = read_fixtures(&["cases/title_rows.xlsx"]);
    assert!(intake.problems.is_empty(), "{:?}", intake.problems);
    let rows: Vec<u32> = intake.partnerships.iter().map(|p| p.source.row).collect();
    assert_eq!(rows, [5, 6]);
    assert_eq!(intake.partnerships[0].source.sheet, "Requests");
}

#[test]
fn formula_cells_use_cached_values_and_error_cells_are_bad_values() {
    let intake = read_fixtures(&["cases/formulas.xlsx"]);
    assert_eq!(intake.partnerships.len(), 1);
    let lab = &intake.partnerships[0];
    assert_eq!(lab.program_name, "Robotics Lab");
    assert_eq!(lab.start_date, date(2027, 1, 15));
    assert_eq!(lab.students_served, 45);
    assert_eq!(lab.in_kind_value, Money(300_000));

    let problems: Vec<_> =
        intake.problems.iter().map(|p| (p.row, p.value.as_str())).collect();
    assert_eq!(problems, [(Some(3), "#REF!"), (Some(4), "#DIV/0!")]);
    assert!(intake.problems.iter().all(|p| p.problem.contains("holds the error")));
}

#[test]
fn files_that_are_not_what_their_ending_says_are_reported_and_others_still_run() {
    let intake = read_fixtures(&[
        "cases/not_a_zip.xlsx",
        "cases/truncated.xlsx",
        "cases/password.xlsx",
        "cases/title_rows.xlsx",
    ]);
    assert_eq!(intake.partnerships.len(), 2, "the good file is still read");
    assert_eq!(intake.stats.files_failed, 3);
    let problem = |file: &str| {
        intake.problems.iter().find(|p| p.file == file).map(|p| p.problem.clone()).unwrap()
    };
    assert_eq!(problem("not_a_zip.xlsx"), "the file is not a real .xlsx workbook");
    assert!(problem("truncated.xlsx").starts_with("the workbook is damaged or incomplete"));
    assert_eq!(problem("password.xlsx"), "the workbook is password-protected");
    assert!(intake.problems.iter().all(|p| p.hint.is_some() && p.row.is_none()));
}

#[test]
fn files_over_the_size_limit_are_refused_before_reading() {
    let dir = folder_with(&["cases/lf_only.csv"]);
    let big = std::fs::File::create(dir.path().join("huge.xlsx")).unwrap();
    big.set_len(51_000_000).unwrap();
    let intake = read(dir.path());
    assert_eq!(intake.partnerships.len(), 2);
    let problem = &intake.problems[0];
    assert_eq!(problem.file, "huge.xlsx");
    assert_eq!(problem.problem, "the file is 51.0 MB, over the limit of 50.0 MB");
    assert!(problem.hint.as_deref().unwrap().contains("intake.max_file_mb"));
}

/// A real workbook with one more entry: `megabytes` of zeros that compress to almost nothing.
fn zip_bomb(path: &Path, megabytes: usize) {
    use std::io::{Read, Write};
    let source = std::fs::File::open(fixture("cases/title_rows.xlsx")).unwrap();
    let mut archive = zip::ZipArchive::new(source).unwrap();
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let name = entry.name().unwrap().to_string();
        writer.start_file(name, options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    writer.start_file("xl/media/padding.bin", options).unwrap();
    let zeros = vec![0u8; 1_000_000];
    for _ in 0..megabytes {
        writer.write_all(&zeros).unwrap();
    }
    writer.finish().unwrap();
}

#[test]
fn zip_bombs_are_refused_before_reading() {
    let dir = folder_with(&["cases/lf_only.csv"]);
    let bomb = dir.path().join("bomb.xlsx");
    zip_bomb(&bomb, 12);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 100_000);

    let config =
        Config::from_toml("[intake]\nmax_unzipped_mb = 10\n", "test.toml").unwrap();
    let intake = read_inputs(dir.path(), &config).unwrap();
    assert_eq!(intake.partnerships.len(), 2);
    assert_eq!(intake.problems.len(), 1);
    assert!(
        intake.problems[0]
            .problem
            .starts_with("the workbook would expand to 12.0 MB, over the limit of 10.0 MB"),
        "{}",
        intake.problems[0].problem
    );

    let relaxed =
        Config::from_toml("[intake]\nmax_unzipped_mb = 20\n", "test.toml").unwrap();
    let intake = read_inputs(dir.path(), &relaxed).unwrap();
    assert_eq!(intake.partnerships.len(), 4, "under the limit the workbook is read");
}

#[test]
fn configured_aliases_match_long_form_questions() {
    let intake = read_fixtures(&["cases/aliases.xlsx"]);
    assert!(intake.problems.is_empty(), "{:?}", intake.problems);
    assert_eq!(intake.partnerships.len(), 2);
    assert!(!intake.partnerships[0].partner_name.is_empty());
    assert!(!intake.partnerships[0].schools.is_empty());
}

#[test]
fn missing_required_columns_are_reported_once_with_the_closest_header() {
    let intake = read_fixtures(&["cases/missing_columns.xlsx"]);
    assert!(intake.partnerships.is_empty());
    assert_eq!(intake.problems.len(), 1);
    let problem = &intake.problems[0];
    assert_eq!(problem.sheet, "Partnerships");
    assert_eq!(
        problem.problem,
        "missing required columns: district_lead (closest header: \"Distrct Lead\"), \
         data_shared (closest header: \"Data Share\")"
    );
    assert!(problem.hint.as_deref().unwrap().contains("[intake.aliases]"));
}

#[test]
fn a_sheet_without_a_header_row_is_reported() {
    let intake = read_fixtures(&["cases/no_header.xlsx"]);
    assert!(intake.partnerships.is_empty());
    assert_eq!(intake.problems.len(), 1);
    assert_eq!(intake.problems[0].sheet, "Budget");
    assert_eq!(intake.problems[0].problem, "no header row found in the first 10 rows");
}

#[test]
fn every_problem_in_every_row_is_reported_and_good_rows_go_on() {
    let intake = read_fixtures(&["cases/bad_rows.xlsx"]);
    let accepted: Vec<_> =
        intake.partnerships.iter().map(|p| p.partnership_id.as_str()).collect();
    assert_eq!(accepted, ["BAD-001", "BAD-007"]);
    assert_eq!(intake.stats.rows_read, 8, "the empty row is skipped");
    assert_eq!(intake.stats.rows_rejected, 6);

    let description = intake.partnerships[0].program_description.as_deref().unwrap();
    assert_eq!(description, "Students build and program robots.\nMentors visit weekly.");

    let found: Vec<_> = intake
        .problems
        .iter()
        .filter(|p| p.sheet == "Partnerships")
        .map(|p| (p.row.unwrap(), p.column.as_str(), p.value.as_str()))
        .collect();
    let expected = [
        (3, "end_date", "2027-02-01"),
        (4, "partner_email", "jane.doe@"),
        (4, "program_scope", "tutoring"),
        (5, "students_served", "12.5"),
        (5, "district_funds", "-500"),
        (7, "start_date", "13/45/2027"),
        (7, "contact_hours_per_week", "lots"),
        (8, "partner_name", ""),
        (8, "override_reason", ""),
        (9, "partnership_id", "BAD-001"),
    ];
    assert_eq!(found, expected);
    let duplicate = intake.problems.iter().find(|p| p.row == Some(9)).unwrap();
    assert_eq!(
        duplicate.problem,
        "the partnership ID is already used at bad_rows.xlsx, sheet Partnerships, row 2"
    );
    assert!(intake.problems.iter().all(|p| p.file == "bad_rows.xlsx" && p.hint.is_some()));

    let unknown = intake.problems.iter().find(|p| p.sheet == "Decisions").unwrap();
    assert_eq!((unknown.row, unknown.value.as_str()), (Some(3), "BAD-099"));
    assert_eq!(intake.partnerships[0].decisions.len(), 1);
}

#[test]
fn windows_1252_csv_is_read_with_a_warning() {
    let intake = read_fixtures(&["cases/windows1252.csv"]);
    assert!(intake.problems.is_empty(), "{:?}", intake.problems);
    assert_eq!(intake.partnerships.len(), 2);
    assert_eq!(intake.warnings.len(), 1);
    assert!(intake.warnings[0].problem.contains("Windows-1252"));
    let text = format!("{:?}", intake.partnerships);
    for expected in ['é', 'ñ', '\u{2019}', '\u{2013}'] {
        assert!(text.contains(expected), "{expected} missing");
    }
}

#[test]
fn lf_only_csv_is_read() {
    let intake = read_fixtures(&["cases/lf_only.csv"]);
    assert!(intake.problems.is_empty(), "{:?}", intake.problems);
    assert_eq!(intake.partnerships.len(), 2);
    assert_eq!(intake.partnerships[0].source.sheet, "lf_only");
}

#[test]
fn lock_hidden_and_other_files_are_skipped() {
    let intake = read(&fixture("cases/skip"));
    assert!(intake.problems.is_empty(), "{:?}", intake.problems);
    assert_eq!(intake.stats.files_found, 1);
    assert_eq!(intake.partnerships.len(), 1);
    assert_eq!(
        intake.stats.files_skipped,
        [".hidden.csv", ".~lock.ok.xlsx#", "notes.txt", "~$ok.xlsx"]
    );
}

#[test]
fn repeated_ids_across_files_reject_the_later_one() {
    let dir = folder_with(&["formats/partnerships.xlsx", "formats/partnerships.ods"]);
    let intake = read(dir.path());
    assert_eq!(intake.partnerships.len(), 6);
    assert!(intake.partnerships.iter().all(|p| p.source.file == "partnerships.ods"));
    let duplicates: Vec<_> =
        intake.problems.iter().filter(|p| p.problem.contains("already used")).collect();
    assert_eq!(duplicates.len(), 6);
    assert!(duplicates.iter().all(|p| p.file == "partnerships.xlsx"));
    assert_eq!(
        intake.stats.decision_rows, 10,
        "both files' decisions reach the kept records"
    );
}

#[test]
fn the_sample_inputs_read_as_documented() {
    let intake = read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("inputs"));
    assert_eq!(intake.partnerships.len(), 30);
    let rows: Vec<_> = intake.problems.iter().map(|p| (p.row, p.column.as_str())).collect();
    assert_eq!(
        rows,
        [(Some(10), "End Date"), (Some(18), "Partner Email"), (Some(26), "District Lead")]
    );
}
