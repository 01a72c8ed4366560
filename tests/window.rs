//! The desk window, driven headless through egui_kittest: the real `App` with a real frame source (the
//! demo card photos), the real decoder, a temporary SQLite database. The harness panics on any glyph
//! the embedded fonts lack, so every Vietnamese label drawn here is checked too.

mod common;

use common::desk::Db;
use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tiepdon::coverage::Status;
use tiepdon::scan::source::SourceSpec;
use tiepdon::store::Store;
use tiepdon::store::visits::{self, Visit};
use tiepdon::ui::{App, Launch, Screen};

fn demo_frame(name: &str) -> PathBuf {
    tiepdon::scan::source::demo_dir().join(name)
}

/// The payload printed in a demo frame (from the frames' manifest).
fn demo_payload(image: &str) -> String {
    let manifest = std::fs::read_to_string(demo_frame("manifest.jsonl")).expect("the demo manifest");
    manifest
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("manifest line is JSON"))
        .find(|v| v["image"] == image)
        .and_then(|v| v["payload"].as_str().map(String::from))
        .unwrap_or_else(|| panic!("{image} is in the manifest"))
}

/// A database with a clinic and the demo roster (which holds the people on the demo frames).
fn database(name: &str) -> Db {
    let db = Db::new(name);
    let mut store = Store::open(&db.path).expect("the database opens");
    tiepdon::demo::fill(&mut store, 20, 1, tiepdon::clock::now_utc()).expect("the demo roster loads");
    db
}

/// The window on `db`, reading `source`, with the operator already given unless `operator` is None.
fn window(db: &Db, source: SourceSpec, operator: Option<&str>) -> Harness<'static, App> {
    window_on(db, Some(source), operator)
}

fn window_on(db: &Db, source: Option<SourceSpec>, operator: Option<&str>) -> Harness<'static, App> {
    let mut launch = Launch::new(db.path.clone(), source);
    launch.operator = operator.map(String::from);
    Harness::builder().with_size(egui::Vec2::new(1280.0, 800.0)).build_eframe(move |cc| App::new(cc, launch))
}

/// A source that never shows a QR code: one blank image.
fn blank_source(db: &Db) -> SourceSpec {
    let path = db.dir.join("blank.png");
    image::GrayImage::from_pixel(64, 48, image::Luma([200u8])).save(&path).expect("a blank image");
    SourceSpec::File(path)
}

/// Steps the window until `done` holds (the workers run on their own threads).
fn step_until(h: &mut Harness<'static, App>, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(h.state()) {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.step();
}

fn visits_today(db: &Db) -> Vec<Visit> {
    let store = Store::open(&db.path).expect("the database opens");
    let today = tiepdon::clock::vietnam_now().date();
    visits::list(store.conn(), today).expect("visits are listed")
}

fn current_status(app: &App) -> Option<Status> {
    app.state.current.as_ref()?.look.as_ref().map(|l| l.verdict.status)
}

fn has_label(h: &Harness<'static, App>, text: &str) -> bool {
    h.query_all_by_label_contains(text).next().is_some()
}

/// Types into whatever has the keyboard focus, as a USB scanner does, then Enter.
fn scanner_types(h: &mut Harness<'static, App>, text: &str) {
    h.event(egui::Event::Text(text.to_string()));
    h.step();
    h.key_press(Key::Enter);
    h.step();
}

/// Types `text` as a person does: one key at a time, 120 ms apart.
fn type_slowly(h: &mut Harness<'static, App>, text: &str) {
    for ch in text.chars() {
        h.event(egui::Event::Text(ch.to_string()));
        h.step();
        std::thread::sleep(Duration::from_millis(120));
        h.step();
    }
}

/// Steps until the verdict on screen has been visible long enough for Enter to act on it.
fn wait_readable(h: &mut Harness<'static, App>) {
    step_until(h, "the verdict to be readable", |a| a.state.enter_ready(Instant::now()));
}

/// Scans a payload with the USB scanner and checks the patient in with Enter.
fn check_in_by_scanner(h: &mut Harness<'static, App>, payload: &str) {
    scanner_types(h, payload);
    step_until(h, "a verdict", |a| a.state.current.is_some());
    wait_readable(h);
    h.key_press(Key::Enter);
    step_until(h, "the ticket", |a| a.state.ticket.is_some());
}

#[test]
fn a_scanned_bhyt_card_shows_eligible_and_enter_records_the_visit() {
    let db = database("scan-eligible");
    let mut h = window(&db, SourceSpec::File(demo_frame("02-bhyt-new.jpg")), Some("Lan"));
    step_until(&mut h, "a verdict for the camera frame", |a| a.state.current.is_some());
    let status = current_status(h.state()).expect("the card is looked up");
    assert!(matches!(status, Status::Eligible | Status::EligibleWithWarning), "{status:?}");
    let name = h
        .state()
        .state
        .current
        .as_ref()
        .and_then(|c| c.look.as_ref())
        .and_then(|l| l.patient.full_name.clone());
    let name = name.expect("the card prints a name");
    assert!(has_label(&h, &name), "the verdict card shows the name {name}");
    assert!(has_label(&h, "ĐỦ ĐIỀU KIỆN"), "the status is written in words");
    assert!(has_label(&h, status.as_str()), "and its code");

    wait_readable(&mut h);
    h.key_press(Key::Enter);
    step_until(&mut h, "the ticket", |a| a.state.ticket.is_some());
    assert!(has_label(&h, "A-001"), "the ticket is on screen");
    assert!(has_label(&h, "Sẵn sàng cho người tiếp theo"));
    let visits = visits_today(&db);
    assert_eq!(visits.len(), 1, "one visit recorded");
    assert_eq!(visits[0].ticket, "A-001");
    assert_eq!(visits[0].full_name.as_deref(), Some(name.as_str()));
    assert_eq!(visits[0].operator, "Lan");
    assert_eq!(visits[0].input_kind.as_str(), "bhyt");
}

#[test]
fn an_expired_card_is_not_eligible_and_needs_a_confirmation() {
    let db = database("scan-expired");
    let mut h = window(&db, SourceSpec::File(demo_frame("05-bhyt-legacy.jpg")), Some("Lan"));
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
    assert_eq!(current_status(h.state()), Some(Status::NotEligible));
    assert!(has_label(&h, "KHÔNG ĐỦ ĐIỀU KIỆN BHYT"));

    // Enter records nothing for a NOT_ELIGIBLE verdict.
    h.key_press(Key::Enter);
    for _ in 0..20 {
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(h.state().state.ticket.is_none());
    assert!(visits_today(&db).is_empty(), "no visit without a confirmation");

    h.get_by_label("Vẫn tiếp đón (không BHYT)").click();
    step_until(&mut h, "the ticket after confirming", |a| a.state.ticket.is_some());
    let visits = visits_today(&db);
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].status, Status::NotEligible);
    assert_eq!(visits[0].overrides, vec!["not_eligible".to_string()], "the override is recorded");
}

#[test]
fn a_keyboard_wedge_scanner_types_into_the_window_without_a_click() {
    let db = database("wedge");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    scanner_types(&mut h, &demo_payload("01-bhyt-legacy.jpg"));
    step_until(&mut h, "the verdict of the typed payload", |a| a.state.current.is_some());
    assert!(has_label(&h, "Bùi Văn Minh Nghĩa"));
    assert!(matches!(current_status(h.state()), Some(Status::Eligible | Status::EligibleWithWarning)));
    wait_readable(&mut h);
    h.key_press(Key::Enter);
    step_until(&mut h, "the ticket", |a| a.state.ticket.is_some());
    assert_eq!(visits_today(&db).len(), 1);
}

#[test]
fn a_bad_typed_number_gives_an_inline_error_and_records_nothing() {
    let db = database("bad-number");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    h.event(egui::Event::Text("HT37979171992".into()));
    h.step();
    assert!(has_label(&h, "13/15"), "the live hint counts the characters");
    h.key_press(Key::Enter);
    step_until(&mut h, "the inline error", |a| a.state.typed_error.is_some());
    let error = h.state().state.typed_error.clone().expect("an error");
    assert!(has_label(&h, &error.vi), "the error is shown under the field: {}", error.vi);
    assert!(h.state().state.current.is_none(), "no verdict for a bad number");
    // A typo in the group code names the character.
    scanner_types(&mut h, "XX3797917199208");
    step_until(&mut h, "the second error", |a| a.state.typed_error.as_ref().is_some_and(|e| e != &error));
    assert!(visits_today(&db).is_empty());
    // A good number clears it.
    scanner_types(&mut h, "7917199208");
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
    assert!(h.state().state.typed_error.is_none());
}

#[test]
fn the_language_switch_changes_the_labels() {
    let db = database("language");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    assert!(has_label(&h, "Tiếp đón (F1)"));
    h.get_by_label("English").click();
    h.step();
    h.step();
    assert!(has_label(&h, "Check-in (F1)"));
    assert!(!has_label(&h, "Tiếp đón (F1)"));
    assert!(has_label(&h, "DEMO MODE"), "a demo database is flagged in either language");
    h.get_by_label("Tiếng Việt").click();
    h.step();
    h.step();
    assert!(has_label(&h, "Hôm nay (F2)"));
}

#[test]
fn a_second_scan_of_the_same_patient_offers_a_reprint_not_a_new_visit() {
    let db = database("repeat");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    let payload = demo_payload("01-bhyt-legacy.jpg");
    check_in_by_scanner(&mut h, &payload);

    scanner_types(&mut h, &payload);
    step_until(&mut h, "the repeat guard", |a| {
        a.state.current.as_ref().and_then(|c| c.look.as_ref()).is_some_and(|l| l.earlier.is_some())
    });
    assert!(has_label(&h, "ĐÃ TIẾP ĐÓN HÔM NAY — số A-001"), "the repeat guard is the headline");
    // Enter now reprints the earlier ticket.
    wait_readable(&mut h);
    h.key_press(Key::Enter);
    step_until(&mut h, "the reprinted ticket", |a| a.state.ticket.is_some());
    assert!(has_label(&h, "A-001"));
    assert_eq!(visits_today(&db).len(), 1, "a repeat scan adds no visit");
    let store = Store::open(&db.path).expect("open");
    let reprints: i64 = store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE action = 'reprint' AND subject = 'A-001' AND operator = 'Lan'",
            [],
            |r| r.get(0),
        )
        .expect("the audit trail");
    assert_eq!(reprints, 1, "the reprint is audited");

    // "Another visit" is a deliberate, audited repeat.
    scanner_types(&mut h, &payload);
    step_until(&mut h, "the repeat guard again", |a| a.state.current.is_some());
    wait_readable(&mut h); // a click on a card shown less than 300 ms ago is not acted on either
    h.get_by_label("Khám thêm lượt mới").click();
    step_until(&mut h, "the second ticket", |a| a.state.ticket.as_ref().is_some_and(|t| t.ticket == "A-002"));
    let visits = visits_today(&db);
    assert_eq!(visits.len(), 2);
    assert_eq!(visits[1].repeat_of.as_deref(), Some("A-001"));
}

#[test]
fn a_citizen_card_shows_both_identities() {
    let db = database("cccd");
    let mut h = window(&db, SourceSpec::File(demo_frame("03-cccd-7.jpg")), Some("Lan"));
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
    let look = h.state().state.current.as_ref().and_then(|c| c.look.clone()).expect("looked up");
    assert!(look.record.is_some(), "the citizen id is linked to a card-holder");
    assert!(has_label(&h, "Hai giấy tờ của cùng người bệnh"));
}

/// A USB scanner typing through Unikey: what cannot be undone is refused and a red bar says to switch
/// the input method to English at once; what can is repaired and the card says so; a clean read ends
/// the bar.
#[test]
fn scanner_text_rewritten_by_an_input_method_is_repaired_or_refused_and_the_window_says_to_switch() {
    use tiepdon::card::ime::{Method, type_through};
    let db = database("input-method");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    // The demo card with a check string Telex rewrites (`eec` → `êc`).
    let payload = demo_payload("01-bhyt-legacy.jpg").replace("bc5ff2cd96a288ec", "bc5ff2cd96a28eec");
    scanner_types(&mut h, &type_through(&payload, Method::Vni));
    step_until(&mut h, "the refusal", |a| a.state.typed_error.is_some());
    assert!(h.state().state.input_method_on);
    h.step();
    assert!(has_label(&h, "BỘ GÕ TIẾNG VIỆT ĐANG BẬT"), "the bar is shown at once");
    assert!(h.state().state.current.is_none(), "nothing read from text that cannot be undone");
    let telex = type_through(&payload, Method::Telex);
    assert_ne!(telex, payload, "Telex rewrites the demo card");
    scanner_types(&mut h, &telex);
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
    let d = &h.state().state.current.as_ref().expect("a card").detection;
    assert!(d.repaired, "{:?}", d.result);
    assert_eq!(d.result, tiepdon::card::detect(&payload).result, "the same card as the clean payload");
    h.step();
    assert!(has_label(&h, "Đã khôi phục dữ liệu bị bộ gõ tiếng Việt"), "the card says what was repaired");
    assert!(h.state().state.input_method_on, "a repaired read does not end the bar");
    scanner_types(&mut h, &demo_payload("02-bhyt-new.jpg"));
    step_until(&mut h, "the clean read", |a| !a.state.input_method_on);
    h.step();
    assert!(!has_label(&h, "BỘ GÕ TIẾNG VIỆT ĐANG BẬT"));
}

#[test]
fn today_lists_visits_and_voids_one_with_a_reason() {
    let db = database("today");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    check_in_by_scanner(&mut h, &demo_payload("01-bhyt-legacy.jpg"));

    h.key_press(Key::F2);
    step_until(&mut h, "today's list", |a| {
        a.screen == Screen::Today && a.state.day.as_ref().is_some_and(|d| d.1.len() == 1)
    });
    assert!(has_label(&h, "Bùi Văn Minh Nghĩa"));
    h.get_by_label("Hủy A-001").click();
    h.step();
    h.step();
    // The reason field has the keyboard without another click: typing goes there, not to check-in.
    type_slowly(&mut h, "nhầm người");
    assert_eq!(h.state().screen, Screen::Today, "typing the reason stays on Today");
    assert!(h.state().checkin_field().is_empty(), "nothing leaked into the scanner field");
    h.get_by_label("Xác nhận hủy").click();
    step_until(&mut h, "the void", |a| {
        a.state.day.as_ref().is_some_and(|d| d.1.first().is_some_and(|v| v.voided))
    });
    let visits = visits_today(&db);
    assert!(visits[0].voided);
    assert_eq!(visits[0].void_reason.as_deref(), Some("nhầm người"));
    assert_eq!(visits[0].voided_by.as_deref(), Some("Lan"));
}

#[test]
fn the_operator_is_asked_at_the_start_of_a_shift() {
    let db = database("operator");
    let mut h = window(&db, blank_source(&db), None);
    h.step();
    assert!(has_label(&h, "Bắt đầu ca làm việc"));
    h.event(egui::Event::Text("Nguyễn Thị Hoa".into()));
    h.step();
    h.key_press(Key::Enter);
    h.step();
    h.step();
    assert_eq!(h.state().state.operator.as_deref(), Some("Nguyễn Thị Hoa"));
    assert!(has_label(&h, "Người tiếp đón: Nguyễn Thị Hoa"), "the header shows the operator");
}

#[test]
fn the_embedded_font_covers_every_vietnamese_letter() {
    let mut letters: String = ('\u{1EA0}'..='\u{1EF9}').collect();
    letters.push_str("ăâđêôơưĂÂĐÊÔƠƯàáãèéêìíòóõùúýÀÁÃÈÉÌÍÒÓÕÙÚÝ");
    let text = letters.clone();
    let mut h = Harness::builder().with_size(egui::Vec2::new(1600.0, 300.0)).build_ui(move |ui| {
        tiepdon::ui::fonts::install(ui.ctx());
        ui.label(&text);
        ui.label(egui::RichText::new(&text).font(tiepdon::ui::fonts::bold(14.0)));
        ui.label(egui::RichText::new(&text).monospace());
    });
    // The harness panics on a missing glyph; reaching here means every letter has one in every face.
    h.step();
    assert_eq!(h.query_all_by_label(&letters).count(), 3);
}

#[test]
fn the_check_in_screen_renders_the_verdict_colour_on_the_cpu() {
    // wgpu on Mesa's software Vulkan driver (lavapipe): the pixels, not only the widget tree.
    let db = database("render");
    let mut h = window(&db, SourceSpec::File(demo_frame("05-bhyt-legacy.jpg")), Some("Lan"));
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
    let image = h.render().expect("the window renders (install mesa-vulkan-drivers)");
    let red = image.pixels().filter(|p| p[0] == 0xb0 && p[1] == 0x1e && p[2] == 0x1e).count();
    assert!(red > 20_000, "the NOT_ELIGIBLE band is drawn in red ({red} pixels)");
}

/// A file dropped on the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

fn drop_file(h: &mut Harness<'static, App>, path: PathBuf) {
    h.input_mut().dropped_files.push(std::sync::Arc::new(Dropped(path)));
    h.step();
}

/// A HIS export whose numeric sex codes are reversed (1 = Nữ), with citizen ids that tell.
fn reversed_sex_csv(rows: usize) -> String {
    let mut s = String::from("Họ và tên,Số thẻ BHYT,SO_CCCD,gender_code\n");
    for i in 0..rows {
        let female = i % 2 == 0;
        let id = format!("079{}{:08}", if female { "1" } else { "0" }, i);
        let name = ["Nguyễn Thị Hoa", "Lê Văn Nam"][i % 2];
        s.push_str(&format!("{name},DN4790{:09},{id},{}\n", 500 + i, if female { "1" } else { "2" }));
    }
    s
}

/// Issue 17: a dropped file that is not tiepdon's CSV shows its columns first; a sex coding the citizen
/// ids contradict is said before anything is written, and choosing the coding in the preview imports it.
#[test]
fn a_dropped_his_export_is_previewed_and_its_sex_coding_chosen_before_import() {
    let db = database("preview");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    let file = db.write("his.csv", &reversed_sex_csv(20));
    drop_file(&mut h, file.clone());
    step_until(&mut h, "the preview", |a| a.state.roster_preview.as_ref().is_some_and(|p| p.path == file));
    let preview = h.state().state.roster_preview.clone().expect("a preview");
    let mapped: Vec<&str> = preview.columns.iter().map(|(_, t, _)| t.as_str()).collect();
    assert_eq!(mapped, ["full_name", "card_number", "citizen_id", "sex"]);
    assert!(preview.problems.iter().any(|p| p.vi.contains("1=Nữ")), "{:?}", preview.problems);
    let long = |v: &&String| v.chars().count() > 4;
    assert!(
        preview.columns.iter().all(|(_, _, s)| s.iter().filter(long).all(|v| v.contains('*'))),
        "samples masked: {:?}",
        preview.columns
    );
    h.step();
    assert!(!has_label(&h, "Nguyễn Thị Hoa"), "no value shown unmasked");
    h.get_by_label("1 = Nữ, 2 = Nam").click();
    // The coding answers the contradiction: its message goes, and the controls move up.
    h.step();
    h.step();
    h.get_by_label("Nhập").click();
    step_until(&mut h, "the import result", |a| a.state.import.as_ref().is_some_and(|i| i.result.is_some()));
    let result = h.state().state.import.clone().and_then(|i| i.result).expect("finished");
    assert!(result.expect("imported").vi.contains("20 dòng, 20 thẻ mới"));
    let store = Store::open(&db.path).expect("open");
    let hoa =
        tiepdon::store::roster::find(store.conn(), tiepdon::store::roster::Key::Card("DN4790000000500"))
            .expect("a lookup")
            .expect("the first row");
    assert_eq!(hoa.sex, Some(tiepdon::card::Sex::Female), "1 = Nữ, as chosen");
}

#[test]
fn a_dropped_card_screenshot_is_read_and_a_dropped_roster_is_imported_off_the_ui_thread() {
    let db = database("drop");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    drop_file(&mut h, demo_frame("02-bhyt-new.jpg"));
    step_until(&mut h, "the verdict of the dropped image", |a| a.state.current.is_some());
    let current = h.state().state.current.clone().expect("a presentation");
    assert_eq!(current.origin, tiepdon::ui::desk::Origin::File("02-bhyt-new.jpg".into()));
    assert_eq!(current.text, demo_payload("02-bhyt-new.jpg"), "the exact payload of the image");
    assert!(matches!(current_status(h.state()), Some(Status::Eligible | Status::EligibleWithWarning)));

    // A broken image is a clear message, not a crash, and not a camera error.
    let broken = db.write("broken.jpg", "not a JPEG at all");
    drop_file(&mut h, broken);
    step_until(&mut h, "the broken image's message", |a| a.state.notice.as_ref().is_some_and(|n| n.error));
    assert!(has_label(&h, "broken.jpg: không đọc được ảnh"));
    assert!(h.state().state.source.error.is_none());

    // One symbol of a multi-symbol code is not a card: it says which part it is, and nothing is looked up.
    let part =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/structured-append/01-02.png");
    drop_file(&mut h, part);
    step_until(&mut h, "the part's message", |a| {
        a.state.notice.as_ref().is_some_and(|n| n.error && n.message.vi.contains("phần 2/4"))
    });
    assert_eq!(
        h.state().state.current.as_ref().map(|c| c.text.clone()),
        Some(demo_payload("02-bhyt-new.jpg"))
    );

    let before = h.state().state.roster_size;
    let today = tiepdon::clock::vietnam_now().date();
    let mut lines = vec![tiepdon::demo::csv_header()];
    lines.extend((0..300).map(|i| tiepdon::demo::csv_line(&tiepdon::demo::person(1000 + i, 7, today))));
    let csv = lines.join("\n") + "\n";
    let roster = db.write("roster.csv", &csv);
    drop_file(&mut h, roster);
    assert_eq!(h.state().screen, Screen::Settings, "a dropped CSV opens the import");
    // The import controls are scrolled into view, then clicked where a person sees them.
    h.step();
    h.step();
    h.get_by_label("Nhập").click();
    step_until(&mut h, "the import result", |a| a.state.import.as_ref().is_some_and(|i| i.result.is_some()));
    let result = h.state().state.import.clone().and_then(|i| i.result).expect("finished");
    let message = result.expect("the roster imports");
    assert!(message.vi.contains("300 dòng, 300 thẻ mới"), "{}", message.vi);
    step_until(&mut h, "the new roster size", |a| a.state.roster_size == before + 300);
}

#[test]
fn end_of_day_exports_and_closes_the_day_from_the_window() {
    let db = database("day-end");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    let payload = demo_payload("01-bhyt-legacy.jpg");
    check_in_by_scanner(&mut h, &payload);

    h.key_press(Key::F3);
    step_until(&mut h, "the end-of-day screen", |a| a.screen == Screen::DayEnd && a.state.day.is_some());
    h.step();
    h.get_by_label("Xuất CSV, Excel, XML0, tổng hợp").click();
    step_until(&mut h, "the export", |a| {
        a.state.notice.as_ref().is_some_and(|n| n.message.vi.starts_with("Đã xuất"))
    });
    let today = tiepdon::clock::vietnam_now().date();
    let folder = db.dir.join("exports").join(today.format("%Y-%m-%d").to_string());
    let files: Vec<_> = std::fs::read_dir(&folder).expect("the export folder").flatten().collect();
    assert!(files.iter().any(|f| f.file_name().to_string_lossy().ends_with(".csv")), "{files:?}");
    assert!(files.iter().any(|f| f.file_name().to_string_lossy().ends_with(".xml")), "{files:?}");

    h.get_by_label("Tôi đã kiểm tra, chốt sổ ngày hôm nay").click();
    h.step();
    h.get_by_label("Chốt sổ").click();
    step_until(&mut h, "the close", |a| {
        a.state.notice.as_ref().is_some_and(|n| n.message.vi.starts_with("Đã chốt"))
    });
    assert!(folder.join("sealed").join("MANIFEST.json").is_file());

    // A closed day takes no more check-ins.
    h.key_press(Key::F1);
    h.step();
    scanner_types(&mut h, &demo_payload("02-bhyt-new.jpg"));
    step_until(&mut h, "a verdict on the closed day", |a| {
        a.state.current.as_ref().and_then(|c| c.look.as_ref()).is_some_and(|l| l.closed)
    });
    assert!(has_label(&h, "Ngày hôm nay đã chốt sổ"));
    assert_eq!(visits_today(&db).len(), 1);
}

/// A presentation from the camera as the desk worker reports it.
fn looked(db: &Db, id: u64, payload: &str) -> tiepdon::ui::desk::Looked {
    let origin = tiepdon::ui::desk::Origin::Camera { corners: vec![], frame_size: (1280, 720) };
    looked_from(db, id, payload, origin)
}

/// A presentation from `origin` as the desk worker reports it.
fn looked_from(
    db: &Db,
    id: u64,
    payload: &str,
    origin: tiepdon::ui::desk::Origin,
) -> tiepdon::ui::desk::Looked {
    let store = Store::open(&db.path).expect("open");
    let detection = tiepdon::card::detect(payload);
    let card = detection.result.as_ref().expect("a usable payload");
    let facts = Default::default();
    let look = visits::look(store.conn(), card, &detection, &facts, tiepdon::clock::now_utc()).expect("look");
    tiepdon::ui::desk::Looked {
        id,
        text: payload.into(),
        origin,
        detection,
        look: Some(look),
        seen_at: Instant::now(),
        visit: Default::default(),
    }
}

#[test]
fn a_late_reply_about_one_patient_never_lands_on_the_next_patients_card() {
    use tiepdon::ui::desk::Reply;
    use tiepdon::ui::state::DeskState;
    let db = database("race");
    let (a, b) = (demo_payload("01-bhyt-legacy.jpg"), demo_payload("02-bhyt-new.jpg"));
    // A was checked in earlier today, so A's second check-in is refused as a repeat.
    let mut store = Store::open(&db.path).expect("open");
    let detection = tiepdon::card::detect(&a);
    let now = tiepdon::clock::now_utc();
    let req = visits::CheckIn {
        detection: &detection,
        operator: "Lan",
        visit_type: "outpatient",
        visit: Default::default(),
        force: false,
        pin: None,
        now,
    };
    let visits::Outcome::Recorded(first) = visits::check_in(&mut store, &req).expect("check-in") else {
        panic!("the first check-in is recorded")
    };
    let repeat = visits::check_in(&mut store, &req).expect("second check-in");
    assert!(matches!(repeat, visits::Outcome::Refused(_)));

    let mut state = DeskState::default();
    let t = Instant::now();
    state.apply(Reply::Looked(Box::new(looked(&db, 1, &a))), t);
    state.busy = true; // Enter pressed for A …
    // … and B scanned with the USB scanner before the answer (typed input always takes the screen).
    let b_typed = looked_from(&db, 2, &b, tiepdon::ui::desk::Origin::Typed);
    state.apply(Reply::Looked(Box::new(b_typed)), t);
    state.apply(Reply::CheckedIn { look_id: 1, result: Ok(repeat) }, t);
    let current = state.current.as_ref().expect("B stays on screen");
    assert_eq!(current.id, 2);
    assert!(
        current.look.as_ref().is_some_and(|l| l.earlier.is_none()),
        "A's earlier visit is not pinned on B"
    );
    assert!(state.refusal.is_none());
    assert!(state.notice.as_ref().is_some_and(|n| n.error), "A's refusal is still told");
    assert!(!state.busy);

    // A recorded answer for A leaves B on screen too.
    state.apply(Reply::CheckedIn { look_id: 1, result: Ok(visits::Outcome::Recorded(first.clone())) }, t);
    assert_eq!(state.current.as_ref().map(|c| c.id), Some(2));
    assert!(state.ticket.is_none());
    assert!(state.notice.as_ref().is_some_and(|n| n.message.vi.contains(&first.ticket)));
}

#[test]
fn a_citizen_card_whose_record_names_someone_else_is_flagged() {
    let db = Db::new("mismatch");
    // The roster says citizen id X belongs to another person.
    let cccd = demo_payload("03-cccd-7.jpg");
    let citizen_id = cccd.split('|').next().expect("an id").to_string();
    let today = tiepdon::clock::vietnam_now().date();
    let mut row = tiepdon::demo::person(4242, 9, today);
    row.citizen_id = Some(citizen_id);
    row.full_name = Some("Hoàng Thị Mai".into());
    db.import_rows("other.csv", &[row]);

    let mut h = window(&db, SourceSpec::File(demo_frame("03-cccd-7.jpg")), Some("Lan"));
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
    step_until(&mut h, "the profile questions", |_| true);
    h.get_by_label("Để sau (hỏi lại lần mở sau)").click(); // a real database: put the profile off
    h.step();
    let look = h.state().state.current.as_ref().and_then(|c| c.look.clone()).expect("looked up");
    let codes: Vec<&str> = look.verdict.reasons.iter().map(|r| r.code.as_str()).collect();
    assert!(codes.contains(&"060"), "a name mismatch is a reason: {codes:?}");
    assert_eq!(look.verdict.status, Status::CannotVerify, "another person's record decides nothing");
    assert!(has_label(&h, "Hoàng Thị Mai  ≠ KHÁC"), "the differing name is marked on the card");
}

#[test]
fn a_real_database_without_a_camera_is_not_called_demo_and_takes_typed_numbers() {
    let db = Db::new("no-camera");
    let store = Store::open(&db.path).expect("open");
    tiepdon::store::settings::set(store.conn(), "facility_code", "79034").expect("a clinic");
    drop(store);
    let mut h = window_on(&db, None, Some("Lan"));
    step_until(&mut h, "the database", |a| a.state.settings.is_some());
    h.step();
    // First real use: the clinic profile is asked (it decides the category); answered here.
    assert!(has_label(&h, "Hồ sơ cơ sở khám bệnh"), "the profile questions on first real use");
    // The question's label, then its list (labelled by it): the list is the last match.
    let list = h.get_all_by_label("Cấp chuyên môn kỹ thuật của cơ sở:").last().expect("the level list");
    list.click();
    for _ in 0..3 {
        h.step();
    }
    h.get_by_label("Cấp ban đầu").click();
    step_until(&mut h, "the profile saved", |a| {
        a.state
            .settings
            .as_ref()
            .is_some_and(|s| s.clinic.profile.level == Some(tiepdon::coverage::Level::BanDau))
    });
    h.step();
    assert!(!has_label(&h, "Hồ sơ cơ sở khám bệnh"), "a complete profile closes the questions");
    let store = Store::open(&db.path).expect("open");
    let audited: i64 = store
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM audit WHERE action = 'settings' AND subject = 'expertise_level' AND operator = 'Lan'",
            [],
            |r| r.get(0),
        )
        .expect("the audit trail");
    assert_eq!(audited, 1, "the profile change is audited under the operator");
    drop(store);
    assert!(!has_label(&h, "DEMO"), "no demo banner on a real database");
    assert!(has_label(&h, "Không có camera: dùng máy quét hoặc nhập số thẻ."));
    scanner_types(&mut h, "7917199208");
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
    assert_eq!(current_status(h.state()), Some(Status::CannotVerify), "an unknown number is never eligible");
}

#[test]
fn settings_save_the_facility_and_back_the_database_up() {
    let db = database("settings");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.key_press(Key::F4);
    step_until(&mut h, "the settings", |a| a.screen == Screen::Settings && a.state.settings.is_some());
    h.step();
    let field = h.get_by_label("Bàn tiếp đón (tiền tố số):");
    field.focus();
    h.step();
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    h.event(egui::Event::Text("B".into()));
    h.step();
    h.get_all_by_label("Lưu").nth(2).expect("the desk's save button").click();
    step_until(&mut h, "the new desk", |a| a.state.settings.as_ref().is_some_and(|s| s.desk == "B"));

    // Below the fold of the settings page: pressed the way a screen reader or Tab + Enter does.
    h.get_by_label("Sao lưu ngay").click_accesskit();
    step_until(&mut h, "the backup", |a| {
        a.state.notice.as_ref().is_some_and(|n| n.message.vi.starts_with("Đã sao lưu"))
    });
    let backups = tiepdon::store::backup::list(&db.path);
    assert_eq!(backups.len(), 2, "the day's automatic backup at start, and this one: {backups:?}");
    let path = backups[1].1.clone();
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&path).expect("stat").permissions().mode() & 0o777, 0o600, "owner-only");
    tiepdon::store::backup::check(&path).expect("the copy passes integrity_check");
    let copy = Store::open(&path).expect("the copy opens");
    let desk: String = copy
        .conn()
        .query_row("SELECT value FROM settings WHERE key = 'desk'", [], |r| r.get(0))
        .expect("desk");
    assert_eq!(desk, "B", "the copy holds the saved setting");
}

#[test]
fn a_damaged_database_stops_the_desk_and_names_the_backup() {
    let db = database("damaged-window");
    let backup = {
        let store = Store::open(&db.path).expect("open");
        tiepdon::store::backup::backup_now(&store, tiepdon::clock::now_utc()).expect("a backup")
    };
    let size = std::fs::metadata(&db.path).expect("stat").len();
    {
        use std::os::unix::fs::FileExt;
        let f = std::fs::OpenOptions::new().write(true).open(&db.path).expect("open");
        f.write_all_at(&vec![0x77; 40_000], size / 3).expect("damage");
    }
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    step_until(&mut h, "the damage to be found", |a| a.state.fatal.is_some());
    let fatal = h.state().state.fatal.clone().expect("fatal");
    assert!(fatal.vi.contains("bị hỏng") && fatal.vi.contains(&backup.display().to_string()), "{}", fatal.vi);
    assert!(has_label(&h, "tiepdon restore"), "the way out is on screen");
    assert_eq!(std::fs::metadata(&db.path).expect("stat").len(), size, "the damaged file is not replaced");
}

#[test]
fn the_operator_prompt_asks_for_the_keyboard_once_not_every_frame() {
    // Asking every frame interrupts the input method every frame; on X11 that loop froze the window.
    let db = database("operator-focus");
    let mut h = window(&db, blank_source(&db), None);
    for _ in 0..10 {
        h.step();
    }
    let interrupts = |h: &Harness<'static, App>| {
        h.output().platform_output.ime.as_ref().is_some_and(|i| i.should_interrupt_composition)
    };
    assert!(!interrupts(&h), "the prompt's field no longer restarts the input method");
    assert!(h.output().platform_output.ime.is_some(), "the prompt's field has the keyboard");
    // Enter on an empty name changes nothing, and the field keeps the keyboard.
    h.key_press(Key::Enter);
    h.step();
    h.step();
    assert!(h.state().state.operator.is_none());
    assert!(h.output().platform_output.ime.is_some(), "the field has the keyboard again");
    type_slowly(&mut h, "Lan");
    h.key_press(Key::Enter);
    h.step();
    h.step();
    assert_eq!(h.state().state.operator.as_deref(), Some("Lan"));
    // The scanner field then takes the keyboard, with no input method (a Vietnamese one would rewrite
    // a scanner's ASCII), and keeps it over Enter.
    for _ in 0..5 {
        h.step();
    }
    let scanner = Some(tiepdon::ui::checkin::scanner_id());
    assert_eq!(h.ctx.memory(|m| m.focused()), scanner);
    assert!(h.output().platform_output.ime.is_none(), "no input method in the scanner field");
    scanner_types(&mut h, "7917199208");
    h.step();
    assert_eq!(h.ctx.memory(|m| m.focused()), scanner, "Enter does not give the keyboard away");
    step_until(&mut h, "a verdict", |a| a.state.current.is_some());
}

#[test]
fn no_verdict_is_looked_up_behind_the_operator_prompt() {
    let db = database("no-operator");
    let mut h = window(&db, SourceSpec::File(demo_frame("02-bhyt-new.jpg")), None);
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        h.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(h.state().state.current.is_none(), "nobody signed in: the camera read is not looked up");
    assert_eq!(h.state().state.scans, 0);
}

#[test]
fn a_scanner_burst_on_another_screen_reaches_check_in_whole_and_the_field_keeps_its_text() {
    let db = database("wedge-today");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    h.key_press(Key::F2);
    step_until(&mut h, "today", |a| a.screen == Screen::Today && a.state.day.is_some());
    h.get_by_label("Tìm (tên, số thẻ, CCCD, số thứ tự):").focus();
    h.step();
    type_slowly(&mut h, "ngh");
    // The scanner types the whole payload within one frame, then Enter.
    let payload = demo_payload("01-bhyt-legacy.jpg");
    h.event(egui::Event::Text(payload.clone()));
    h.step();
    h.key_press(Key::Enter);
    h.step();
    step_until(&mut h, "the scanned verdict", |a| a.state.current.is_some());
    assert_eq!(h.state().screen, Screen::CheckIn, "a scan goes to check-in from any screen");
    let current = h.state().state.current.clone().expect("the presentation");
    assert_eq!(current.text, payload, "the payload arrives intact");
    assert_eq!(current.origin, tiepdon::ui::desk::Origin::Typed);
    h.key_press(Key::F2);
    h.step();
    h.step();
    assert!(
        h.query_all_by_value("ngh").next().is_some(),
        "the search field keeps what the receptionist typed"
    );
}

#[test]
fn typing_on_another_screen_with_no_field_goes_to_the_scanner_field_intact() {
    let db = database("typing-today");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    h.key_press(Key::F2);
    step_until(&mut h, "today", |a| a.screen == Screen::Today);
    // No field has the keyboard on Today: a person typing a card code is sent to check-in, every key.
    type_slowly(&mut h, "HT3797917199208");
    assert_eq!(h.state().screen, Screen::CheckIn);
    assert_eq!(h.state().checkin_field(), "HT3797917199208");
    h.key_press(Key::Enter);
    step_until(&mut h, "the verdict", |a| a.state.current.is_some());
}

mod replacement_rule {
    //! A verdict on screen is never replaced by a camera read while the receptionist acts on it.
    use super::*;
    use tiepdon::ui::desk::{Origin, Reply};
    use tiepdon::ui::state::{DeskState, ENTER_AFTER, IDLE_TAKEOVER, NEXT_MAX_AGE, TICKET_HOLD};

    fn camera() -> Origin {
        Origin::Camera { corners: vec![], frame_size: (1280, 720) }
    }

    fn setup(name: &str) -> (Db, String, String) {
        let db = database(name);
        (db, demo_payload("01-bhyt-legacy.jpg"), demo_payload("02-bhyt-new.jpg"))
    }

    #[test]
    fn a_camera_read_waits_while_a_typed_verdict_is_on_screen() {
        let (db, typed, shown) = setup("rule-wait");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &typed, Origin::Typed))), t);
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &shown, camera()))), t + ms(430));
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(1), "the typed verdict stays");
        assert_eq!(state.next.as_ref().map(|n| n.id), Some(2), "the camera read waits, visibly");
        // A verdict the receptionist typed is never taken away, however long it is left alone.
        assert_eq!(state.tick(t + NEXT_MAX_AGE - Duration::from_secs(1)), None);
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(1));
        assert_eq!(state.next.as_ref().map(|n| n.id), Some(2));
    }

    #[test]
    fn a_camera_verdict_left_alone_gives_way_to_the_next_camera_read() {
        let (db, first, second) = setup("rule-idle");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &first, camera()))), t);
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &second, camera()))), t + ms(500));
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(1), "the camera's first verdict stays");
        assert!(state.tick(t + IDLE_TAKEOVER - ms(100)).is_some());
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(1));
        // The receptionist presses a key at 10 s: the idle clock restarts from there.
        state.touched_at = Some(t + Duration::from_secs(10));
        assert!(state.tick(t + IDLE_TAKEOVER + ms(100)).is_some());
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(1));
        // Left alone for the whole idle time: the waiting read takes the screen.
        assert!(state.tick(t + Duration::from_secs(10) + IDLE_TAKEOVER).is_none());
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(2));
        assert!(state.next.is_none());
    }

    #[test]
    fn enter_acts_only_on_a_verdict_visible_long_enough() {
        let (db, typed, _) = setup("rule-enter");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &typed, Origin::Typed))), t);
        assert!(!state.enter_ready(t + ms(100)));
        assert!(state.enter_ready(t + ENTER_AFTER));
    }

    #[test]
    fn the_same_card_seen_again_changes_nothing_and_typed_input_always_wins() {
        let (db, a, b) = setup("rule-same");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &a, camera()))), t);
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &a, camera()))), t + ms(900));
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(1));
        assert!(state.next.is_none(), "the same card again is not a next patient");
        assert_eq!(state.shown_at, Some(t), "nor does it restart the verdict's clock");
        state.apply(Reply::Looked(Box::new(looked_from(&db, 3, &b, Origin::Typed))), t + ms(1000));
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(3), "typed input takes the screen at once");
    }

    #[test]
    fn after_a_check_in_the_ticket_stays_before_the_next_camera_read_shows() {
        let (db, a, b) = setup("rule-ticket");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &a, Origin::Typed))), t);
        // Check A in for real, so the reply carries a real visit.
        let outcome = db.check_in(&a);
        state.busy = true;
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &b, camera()))), t + ms(500));
        assert_eq!(state.next.as_ref().map(|n| n.id), Some(2), "a check-in on its way holds the screen");
        state.apply(Reply::CheckedIn { look_id: 1, result: Ok(outcome) }, t + ms(600));
        assert!(state.ticket.is_some());
        assert!(state.tick(t + ms(600) + TICKET_HOLD - ms(50)).is_some(), "the ticket is still shown");
        assert!(state.ticket.is_some());
        assert!(state.tick(t + ms(600) + TICKET_HOLD).is_none());
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(2), "then the next patient shows");
        assert!(state.ticket.is_none());
    }

    #[test]
    fn f5_shows_the_waiting_read_at_once_and_dismissing_frees_the_screen() {
        let (db, a, b) = setup("rule-f5");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &a, Origin::Typed))), t);
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &b, camera()))), t + ms(100));
        state.show_next(t + ms(200));
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(2));
        state.apply(Reply::Looked(Box::new(looked_from(&db, 3, &a, camera()))), t + ms(300));
        assert_eq!(state.next.as_ref().map(|n| n.id), Some(3));
        state.current = None; // Esc
        assert!(state.tick(t + ms(400)).is_none());
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(3), "a free screen takes the waiting read");
    }

    #[test]
    fn enter_waits_for_a_typed_look_up_on_its_way() {
        // A camera verdict for A is on screen; the receptionist types B's code and presses Enter twice.
        let (db, a, b) = setup("rule-awaiting");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &a, camera()))), t);
        assert!(state.enter_ready(t + Duration::from_secs(5)));
        state.awaiting = Some(2); // what `App::look` sets for a typed look-up
        assert!(!state.enter_ready(t + Duration::from_secs(5)), "the second Enter does not record A");
        state.apply(
            Reply::Looked(Box::new(looked_from(&db, 2, &b, Origin::Typed))),
            t + Duration::from_secs(5),
        );
        assert_eq!(state.awaiting, None);
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(2));
    }

    #[test]
    fn after_an_idle_takeover_enter_waits_a_second() {
        let (db, a, b) = setup("rule-takeover");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &a, camera()))), t);
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &b, camera()))), t + ms(500));
        let at = t + IDLE_TAKEOVER;
        assert!(state.tick(at).is_none());
        assert_eq!(state.current.as_ref().map(|c| c.id), Some(2));
        assert!(!state.enter_ready(at + ms(400)), "a key meant for A does not record B");
        assert!(state.enter_ready(at + Duration::from_secs(1)));
    }

    #[test]
    fn the_waiting_read_of_the_patient_just_checked_in_is_dropped() {
        let (db, typed, _) = setup("rule-same-patient");
        let t = Instant::now();
        let mut state = DeskState::default();
        // The card number typed while the same patient's phone is read by the camera.
        let code = typed.split('|').next().expect("a card code").to_string();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &code, Origin::Typed))), t);
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &typed, camera()))), t + ms(100));
        assert!(state.next.is_some());
        let outcome = db.check_in(&code);
        state.apply(Reply::CheckedIn { look_id: 1, result: Ok(outcome) }, t + ms(700));
        assert!(state.next.is_none(), "it would show the patient as not yet checked in");
    }

    #[test]
    fn an_unusable_camera_read_never_pushes_out_a_waiting_patient_and_old_reads_expire() {
        let (db, a, b) = setup("rule-unusable");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &a, Origin::Typed))), t);
        state.apply(Reply::Looked(Box::new(looked_from(&db, 2, &b, camera()))), t + ms(100));
        let poster = tiepdon::ui::desk::Looked {
            id: 3,
            text: "https://example.invalid/menu".into(),
            origin: camera(),
            detection: tiepdon::card::detect("https://example.invalid/menu"),
            look: None,
            seen_at: t,
            visit: Default::default(),
        };
        assert!(poster.detection.result.is_err());
        state.apply(Reply::Looked(Box::new(poster)), t + ms(200));
        assert_eq!(state.next.as_ref().map(|n| n.id), Some(2), "the patient still waits");
        state.tick(t + NEXT_MAX_AGE + Duration::from_secs(1));
        assert!(state.next.is_none(), "a read that waited two minutes is dropped");
    }

    #[test]
    fn a_verdict_that_arrived_on_another_screen_is_read_before_enter_acts() {
        let (db, a, _) = setup("rule-seen");
        let t = Instant::now();
        let mut state = DeskState::default();
        state.apply(Reply::Looked(Box::new(looked_from(&db, 1, &a, camera()))), t);
        state.seen_again(t + Duration::from_secs(10)); // F1 from Today
        assert!(!state.enter_ready(t + Duration::from_secs(10) + ms(100)));
        assert!(state.enter_ready(t + Duration::from_secs(10) + ENTER_AFTER));
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }
}

#[test]
fn the_waiting_camera_read_is_shown_under_the_verdict_and_f5_brings_it() {
    let db = database("next-slot");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    scanner_types(&mut h, &demo_payload("01-bhyt-legacy.jpg"));
    step_until(&mut h, "the typed verdict", |a| a.state.current.is_some());
    // The camera reads another card now (the same path a webcam read takes).
    h.state_mut().act(tiepdon::ui::Action::UseSource(Some(SourceSpec::File(demo_frame("02-bhyt-new.jpg")))));
    step_until(&mut h, "the camera read waiting", |a| a.state.next.is_some());
    assert!(has_label(&h, "TIẾP THEO (camera):"), "the waiting read is on screen");
    assert!(has_label(&h, "Bùi Văn Minh Nghĩa"), "the typed patient's verdict is still the one shown");
    wait_readable(&mut h);
    h.key_press(Key::Enter);
    step_until(&mut h, "the ticket", |a| a.state.ticket.is_some());
    let visits = visits_today(&db);
    assert_eq!(visits.len(), 1);
    assert_eq!(
        visits[0].full_name.as_deref(),
        Some("Bùi Văn Minh Nghĩa"),
        "Enter recorded the typed patient"
    );
    h.key_press(Key::F5);
    step_until(&mut h, "the waiting read", |a| a.state.current.is_some());
    assert!(h.state().state.next.is_none());
}

#[test]
fn texts_are_vietnamese_and_the_exported_count_leaves_out_voided_visits() {
    let db = database("texts");
    let mut launch =
        Launch::new(db.path.clone(), Some(SourceSpec::Demo(tiepdon::scan::source::DemoPace::DESK)));
    launch.operator = Some("Lan".into());
    launch.demo_db = true;
    let mut h = Harness::builder()
        .with_size(egui::Vec2::new(1366.0, 768.0))
        .build_eframe(move |cc| App::new(cc, launch));
    step_until(&mut h, "the demo source", |a| a.state.source.description.is_some());
    assert!(has_label(&h, "Camera demo: ảnh mẫu thẻ BHYT và CCCD"));
    let small = h.ctx.style_of(egui::Theme::Dark).text_styles[&egui::TextStyle::Small].size;
    assert!(small >= 14.0, "help text is readable across a desk: {small} pt");
    assert!(h.query_all_by_label_contains("images").next().is_none(), "no English under the preview");
    h.key_press(Key::F4);
    h.step();
    h.step();
    assert!(h.query_all_by_label_contains("(roster)").next().is_none());
    assert!(h.query_all_by_label_contains("tiepdon --db").next().is_none(), "no terminal advice");
    assert!(has_label(&h, "Chọn tệp danh sách…"), "the roster file is chosen in a dialog");
    h.key_press(Key::F1);
    h.step();
    // Two visits, one voided: the export says one.
    check_in_by_scanner(&mut h, &demo_payload("01-bhyt-legacy.jpg"));
    check_in_by_scanner(&mut h, &demo_payload("04-bhyt-truncated.jpg"));
    let mut store = Store::open(&db.path).expect("open");
    let today = tiepdon::clock::vietnam_now().date();
    visits::void(&mut store, "A-002", today, "nhầm", "Lan", tiepdon::clock::now_utc()).expect("void");
    h.key_press(Key::F3);
    step_until(&mut h, "the end-of-day screen", |a| a.screen == Screen::DayEnd && a.state.day.is_some());
    h.step();
    h.get_by_label("Xuất CSV, Excel, XML0, tổng hợp").click();
    step_until(&mut h, "the export", |a| a.state.exported.is_some());
    let note = h.state().state.notice.clone().expect("a note");
    assert!(note.message.vi.starts_with("Đã xuất 1 lượt khám (1 đã hủy)"), "{}", note.message.vi);
    assert!(has_label(&h, "Mở thư mục"), "the folder can be opened");
}

#[test]
fn letters_typed_in_the_same_frame_as_esc_are_kept() {
    // Under load, Esc and the first letters of the next code arrive in one frame; Esc also takes the
    // keyboard from the scanner field. The letters still go to the (cleared) field.
    let db = database("esc-and-letters");
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    scanner_types(&mut h, &demo_payload("01-bhyt-legacy.jpg"));
    step_until(&mut h, "the first verdict", |a| a.state.current.is_some());
    h.key_press(Key::Escape);
    h.event(egui::Event::Text("7917".into()));
    h.step();
    h.step();
    assert!(h.state().state.current.is_none(), "Esc dismissed the verdict");
    assert_eq!(h.state().checkin_field(), "7917", "the letters typed with Esc are kept");
    scanner_types(&mut h, "199208");
    step_until(&mut h, "the typed verdict", |a| a.state.current.is_some());
    let current = h.state().state.current.clone().expect("a presentation");
    assert_eq!(current.text, "7917199208", "the whole number, in order");
}

#[test]
fn the_visit_facts_change_the_category_and_the_recorded_visit() {
    let db = database("facts");
    {
        let store = Store::open(&db.path).expect("open");
        tiepdon::store::settings::set(store.conn(), "expertise_level", "co_ban").expect("a level");
        tiepdon::store::settings::set(store.conn(), "score_band", "50_to_lt70").expect("a band");
    }
    let mut h = window(&db, blank_source(&db), Some("Lan"));
    h.step();
    // Registered at another facility, self-referred outpatient at a 50–70-point basic clinic: half.
    scanner_types(&mut h, &demo_payload("01-bhyt-legacy.jpg"));
    step_until(&mut h, "the verdict", |a| a.state.current.is_some());
    let verdict = |a: &App| a.state.current.as_ref().and_then(|c| c.look.as_ref()).map(|l| l.verdict.clone());
    let v = verdict(h.state()).expect("a verdict");
    assert_eq!((v.route.as_deref(), v.code.as_str()), (Some("1.13"), "L10"), "{:?}", v.reasons);
    assert!(has_label(&h, "1.13 — quỹ trả 47,5 % (50 % × mức hưởng 95 %)"), "the share in words");
    // Ctrl+2: the patient has a transfer paper — the full level, category 1.3.
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Num2);
    step_until(&mut h, "the verdict with the paper", |a| {
        verdict(a).is_some_and(|v| v.route.as_deref() == Some("1.3"))
    });
    assert_eq!(h.state().state.visit.paper, Some(tiepdon::coverage::Paper::Transfer));
    let v = verdict(h.state()).expect("a verdict");
    assert_eq!(v.fund_tenths, Some(950));
    wait_readable(&mut h);
    h.key_press(Key::Enter);
    step_until(&mut h, "the ticket", |a| a.state.ticket.is_some());
    let visits = visits_today(&db);
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].verdict["route"], "1.3", "the recorded visit carries the category with the paper");
    assert_eq!(visits[0].verdict["visit"]["paper"], "transfer");
    // The next patient starts afresh: outpatient, nothing told.
    scanner_types(&mut h, &demo_payload("02-bhyt-new.jpg"));
    step_until(&mut h, "the next verdict", |a| a.state.current.is_some());
    assert_eq!(h.state().state.visit, tiepdon::coverage::VisitFacts::default());
}

/// The window's desk thread and the command line are one desk service: the same presentations (a card
/// code, a BHXH number, a citizen id first seen and linked to its card-holder by name and birth date, a
/// number nobody has) give the same verdict, record and ticket through `tiepdon lookup` / `checkin`
/// and through the desk worker's `Job::Look` / `Job::CheckIn` (issue 19: `lookup` of a citizen id used
/// to skip the link the window made).
#[test]
fn the_cli_and_the_windows_desk_thread_give_the_same_outcome_for_the_same_presentation() {
    use common::desk::run_at;
    use std::sync::Arc;
    use tiepdon::ui::desk::{DeskWorker, Job, Origin, Reply};
    const NOW: &str = "2026-11-23T02:00:00Z";
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
    // A card-holder whose roster row has no citizen id: a citizen card with the same name and birth
    // date finds them.
    let mut holder = tiepdon::demo::person(4242, 9, today);
    holder.citizen_id = None;
    holder.status = "active";
    holder.replaced_by = None;
    holder.valid_to = Some("2027-12-31".into());
    let birth = holder.birth_date.clone().unwrap();
    let dmy = format!("{}{}{}", &birth[8..10], &birth[5..7], &birth[0..4]);
    let name = holder.full_name.clone().unwrap();
    let sex = if holder.sex == Some("female") { "Nữ" } else { "Nam" };
    let cccd = format!("079090123456||{name}|{dmy}|{sex}|Hà Nội|01012021");
    let (by_card, by_bhxh) = (tiepdon::demo::person(4243, 9, today), tiepdon::demo::person(4244, 9, today));
    let presentations = [
        by_card.card_number.clone().unwrap(),
        by_bhxh.bhxh_number.clone().unwrap(),
        cccd,
        "079181234567".to_string(),
    ];
    let (cli_db, ui_db) = (Db::new("parity-cli"), Db::new("parity-ui"));
    for db in [&cli_db, &ui_db] {
        db.import_rows("roster.csv", &[holder.clone(), by_card.clone(), by_bhxh.clone()]);
    }
    // The command line.
    let mut cli = Vec::new();
    for p in &presentations {
        let looked = run_at(NOW, &cli_db, &["lookup", p]);
        let checked = run_at(NOW, &cli_db, &["checkin", p, "--operator", "Lan"]);
        let v = &checked.out[0];
        cli.push((
            looked.out[0]["verdict"]["code"].clone(),
            looked.out[0]["record"]["card_number"].clone(),
            v["ticket"].clone(),
            v["card_number"].clone(),
            v["code"].clone(),
        ));
    }
    // The window's desk thread, with the same clock.
    let (tx, rx) = std::sync::mpsc::channel();
    let clock: tiepdon::ui::desk::Clock = Arc::new(|| "2026-11-23T02:00:00Z".parse().unwrap());
    let worker = DeskWorker::start(ui_db.path.clone(), None, clock, tx, Arc::new(|| {}));
    let next = |want: &dyn Fn(&Reply) -> bool| loop {
        let r = rx.recv_timeout(Duration::from_secs(20)).expect("the desk thread answers");
        if want(&r) {
            return r;
        }
    };
    let mut ui = Vec::new();
    for (i, p) in presentations.iter().enumerate() {
        let visit = Default::default();
        worker.send(Job::Look {
            id: i as u64,
            text: p.clone(),
            origin: Origin::Typed,
            seen_at: Instant::now(),
            visit,
        });
        let Reply::Looked(looked) = next(&|r| matches!(r, Reply::Looked(_))) else { unreachable!() };
        let look = looked.look.as_ref().expect("a look");
        let record = look.record.as_ref().and_then(|r| r.record.card_number.clone());
        worker.send(Job::CheckIn {
            look_id: i as u64,
            text: p.clone(),
            origin: Origin::Typed,
            visit: Default::default(),
            force: false,
            pin: None,
            operator: "Lan".into(),
        });
        let Reply::CheckedIn { result, .. } = next(&|r| matches!(r, Reply::CheckedIn { .. })) else {
            unreachable!()
        };
        let visit = match result.expect("the check-in runs") {
            visits::Outcome::Recorded(v) => v,
            visits::Outcome::Refused(r) => panic!("refused: {r:?}"),
        };
        ui.push((
            serde_json::json!(look.verdict.code.as_str()),
            serde_json::json!(record),
            serde_json::json!(visit.ticket),
            serde_json::json!(visit.card_number),
            serde_json::json!(visit.code),
        ));
    }
    drop(worker);
    assert_eq!(cli, ui, "the same outcome through the command line and the window's desk thread");
    assert_eq!(cli[2].1, serde_json::json!(holder.card_number), "lookup links the citizen id to its card");
}
