//! Writes a realistic intake workbook of any size, for benchmarks.

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

const HEADERS: [&str; 24] = [
    "Partnership ID",
    "Program Name",
    "Partner Name",
    "Partner Type",
    "Partner Contact",
    "Partner Email",
    "Partner Phone",
    "Partner Address",
    "District Lead",
    "Schools",
    "Program Description",
    "District Priorities",
    "Program Scope",
    "Start Date",
    "End Date",
    "Students Served",
    "Contact Hours per Week",
    "District Funds",
    "Partner Funds",
    "In-Kind Value",
    "Data Shared",
    "Board Meeting",
    "Intensity Override",
    "Override Reason",
];

const SCOPES: [&str; 4] = ["event", "enrichment", "supplemental", "instructional"];
const DATA: [&str; 4] = ["none", "aggregate", "de-identified", "student-level"];
const SCHOOLS: [&str; 8] = [
    "Lincoln Elementary",
    "Jefferson Middle",
    "Roosevelt High",
    "Adams Elementary",
    "Madison Middle",
    "Monroe High",
    "Washington Elementary",
    "Kennedy High",
];
const PRIORITIES: [&str; 4] =
    ["Early literacy", "Family engagement", "Student wellness", "STEM"];

/// Writes `rows` generated partnerships to an `.xlsx` file at `path`.
pub fn write_workbook(path: &Path, rows: u32) -> Result<(), XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet().set_name("Partnerships")?;
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let money = Format::new().set_num_format("$#,##0.00");
    for (col, header) in HEADERS.iter().enumerate() {
        sheet.write_string(0, col as u16, *header)?;
    }
    for i in 0..rows {
        let row = i + 1;
        let n = i as usize;
        let schools = SCHOOLS[..1 + n % 7].join("; ");
        let priorities = PRIORITIES[..n % 4].join("; ");
        let start = ExcelDateTime::from_ymd(2027, 1 + (i % 12) as u8, 1 + (i % 28) as u8)?;
        let end = ExcelDateTime::from_ymd(2028 + (i % 3) as u16, 6, 30)?;
        sheet.write_string(row, 0, format!("P-{:06}", i + 1))?;
        sheet.write_string(row, 1, format!("Program {}", i + 1))?;
        sheet.write_string(row, 2, format!("Community Partner {}", i % 5000))?;
        sheet.write_string(row, 3, "Nonprofit")?;
        sheet.write_string(row, 4, "Jordan Rivera")?;
        sheet.write_string(row, 5, format!("contact{}@partner.example.org", i % 5000))?;
        sheet.write_string(row, 6, "(555) 010-2000")?;
        sheet.write_string(row, 7, "100 Main Street\nRiverside, CA 92501")?;
        sheet.write_string(row, 8, "Principal Avery Chen")?;
        sheet.write_string(row, 9, schools)?;
        sheet.write_string(row, 10, "After-school sessions for students and families.")?;
        sheet.write_string(row, 11, priorities)?;
        sheet.write_string(row, 12, SCOPES[n % 4])?;
        sheet.write_datetime_with_format(row, 13, &start, &date)?;
        sheet.write_datetime_with_format(row, 14, &end, &date)?;
        sheet.write_number(row, 15, (20 + n % 400) as f64)?;
        sheet.write_number(row, 16, (n % 10) as f64 * 0.75)?;
        sheet.write_number_with_format(row, 17, (n % 7 * 2500) as f64, &money)?;
        sheet.write_number_with_format(row, 18, (n % 11 * 1750) as f64, &money)?;
        sheet.write_number_with_format(row, 19, (n % 5 * 900) as f64, &money)?;
        sheet.write_string(row, 20, DATA[n % 4])?;
    }
    workbook.save(path)
}
