//! The embedded fonts: Noto Sans (regular, bold) and Noto Sans Mono, which cover every Vietnamese
//! letter (SIL Open Font License, `assets/fonts/OFL.txt`). egui's own fonts stay behind them for symbols.

use egui::{FontData, FontDefinitions, FontFamily};
use std::sync::Arc;

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");
const MONO: &[u8] = include_bytes!("../../assets/fonts/NotoSansMono-Regular.ttf");

/// The family name of the bold face (`egui::FontFamily::Name`).
pub const BOLD_FAMILY: &str = "bold";

/// Installs the fonts on `ctx`.
pub fn install(ctx: &egui::Context) {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert("noto".into(), Arc::new(FontData::from_static(REGULAR)));
    fonts.font_data.insert("noto-bold".into(), Arc::new(FontData::from_static(BOLD)));
    fonts.font_data.insert("noto-mono".into(), Arc::new(FontData::from_static(MONO)));
    let fallback = fonts.families.get(&FontFamily::Proportional).cloned().unwrap_or_default();
    let put_first = |list: &mut Vec<String>, name: &str| list.insert(0, name.to_string());
    if let Some(list) = fonts.families.get_mut(&FontFamily::Proportional) {
        put_first(list, "noto");
    }
    if let Some(list) = fonts.families.get_mut(&FontFamily::Monospace) {
        put_first(list, "noto-mono");
        list.insert(1, "noto".to_string());
    }
    let mut bold = vec!["noto-bold".to_string(), "noto".to_string()];
    bold.extend(fallback);
    fonts.families.insert(FontFamily::Name(BOLD_FAMILY.into()), bold);
    ctx.set_fonts(fonts);
}

/// A bold font of `size` points.
pub fn bold(size: f32) -> egui::FontId {
    egui::FontId::new(size, FontFamily::Name(BOLD_FAMILY.into()))
}

/// Text sizes readable across a desk: body and buttons 16 points, small print never under 14, help
/// text in a grey that still reads on a cheap monitor.
pub fn install_style(ctx: &egui::Context) {
    use egui::{FontId, TextStyle};
    ctx.all_styles_mut(|style| {
        style.text_styles = [
            (TextStyle::Small, FontId::new(14.0, FontFamily::Proportional)),
            (TextStyle::Body, FontId::new(16.0, FontFamily::Proportional)),
            (TextStyle::Button, FontId::new(16.0, FontFamily::Proportional)),
            (TextStyle::Monospace, FontId::new(16.0, FontFamily::Monospace)),
            (TextStyle::Heading, FontId::new(22.0, FontFamily::Name(BOLD_FAMILY.into()))),
        ]
        .into();
        style.visuals.weak_text_alpha = 0.8;
    });
}
