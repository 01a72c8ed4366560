//! A map of the window for tests that drive the real window from outside (xdotool under Xvfb): when
//! `TIEPDON_UI_MAP` names a file, the window writes there, whenever it changes, the screen, the
//! language, the field that has the keyboard and where its named widgets are (window pixels). It holds
//! no patient's name, card or id number, or payload — only ticket numbers, in widget names such as
//! `void:A-001`. Nothing is recorded when the variable is unset.

use egui::{Id, Rect};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The file named by `TIEPDON_UI_MAP`, if any.
fn target() -> Option<&'static PathBuf> {
    static TARGET: OnceLock<Option<PathBuf>> = OnceLock::new();
    TARGET
        .get_or_init(|| std::env::var_os("TIEPDON_UI_MAP").filter(|v| !v.is_empty()).map(PathBuf::from))
        .as_ref()
}

/// Whether the map is being written (so callers can skip work).
pub fn enabled() -> bool {
    target().is_some()
}

/// The widgets noted during one frame.
#[derive(Debug, Clone, Default)]
struct Noted {
    widgets: BTreeMap<String, (Rect, Id)>,
}

fn noted_id() -> Id {
    Id::unique("tiepdon-probe")
}

/// Notes a named widget drawn this frame (its rectangle and id).
pub fn note(ui: &egui::Ui, name: impl Into<String>, response: &egui::Response) {
    if !enabled() {
        return;
    }
    let (rect, id) = (response.rect, response.id);
    let name = name.into();
    ui.ctx().data_mut(|d| {
        d.get_temp_mut_or_default::<Noted>(noted_id()).widgets.insert(name, (rect, id));
    });
}

/// What the file holds.
#[derive(Debug, Serialize, PartialEq)]
pub struct Map {
    pub screen: &'static str,
    pub lang: &'static str,
    /// The operator prompt is open.
    pub operator_prompt: bool,
    /// The noted widget that has the keyboard focus (None: none, or an unnamed one).
    pub focused: Option<String>,
    /// A verdict is on screen / a camera read waits in the "next" slot / a ticket is shown.
    pub verdict_shown: bool,
    pub next_waiting: bool,
    pub ticket_shown: bool,
    /// Widgets: name → [x, y, width, height] in window pixels.
    pub widgets: BTreeMap<String, [i32; 4]>,
}

/// Writes the map of this frame if it changed since the last one written; `fill` sets the fields
/// that are not widgets. Called once per frame, after drawing.
pub fn flush(ctx: &egui::Context, last: &mut String, fill: impl FnOnce(&mut Map)) {
    let Some(path) = target() else { return };
    let noted = ctx.data_mut(|d| d.remove_temp::<Noted>(noted_id())).unwrap_or_default();
    let focused_id = ctx.memory(|m| m.focused());
    let ppp = ctx.pixels_per_point();
    let mut map = Map {
        screen: "",
        lang: "",
        operator_prompt: false,
        focused: noted.widgets.iter().find(|(_, (_, id))| Some(*id) == focused_id).map(|(n, _)| n.clone()),
        verdict_shown: false,
        next_waiting: false,
        ticket_shown: false,
        widgets: noted
            .widgets
            .iter()
            .map(|(n, (r, _))| {
                let px = |v: f32| (v * ppp).round() as i32;
                (n.clone(), [px(r.min.x), px(r.min.y), px(r.width()), px(r.height())])
            })
            .collect(),
    };
    fill(&mut map);
    let Ok(text) = serde_json::to_string(&map) else { return };
    if text != *last {
        // Written whole then renamed: a reader never sees half a map.
        let tmp = path.with_extension("tmp");
        if std::fs::write(&tmp, &text).is_ok() && std::fs::rename(&tmp, path).is_ok() {
            *last = text;
        }
    }
}
