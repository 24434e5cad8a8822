//! Drawing helpers shared by the Run monitor widgets: text cut to a width, left or right.

use crate::state::view::runs::format::fit;
use unicode_width::UnicodeWidthStr;

/// Draws `text` at (`x`, `y`), cut to `width` columns with an ellipsis, and returns the
/// column after it. Text must already be sanitized.
pub(crate) fn put(
    buf: &mut ratatui::buffer::Buffer,
    x: u16,
    y: u16,
    width: u16,
    text: &str,
    style: ratatui::style::Style,
) -> u16 {
    if width == 0 {
        return x;
    }
    let fitted = fit(text, usize::from(width));
    buf.set_stringn(x, y, fitted.as_ref(), usize::from(width), style)
        .0
}

/// Like [`put`], right-aligned in the `width` columns starting at `x`.
pub(crate) fn put_right(
    buf: &mut ratatui::buffer::Buffer,
    x: u16,
    y: u16,
    width: u16,
    text: &str,
    style: ratatui::style::Style,
) {
    let fitted = fit(text, usize::from(width));
    let w = fitted.width() as u16;
    buf.set_stringn(
        x + width.saturating_sub(w),
        y,
        fitted.as_ref(),
        usize::from(width),
        style,
    );
}
