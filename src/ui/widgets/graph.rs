//! The flow graph: [`GraphLayout`] (in `state::view::graph`) places boxes and lines once per flow change;
//! [`GraphView`] draws the part of it that is in view, every frame.
//!
//! ```text
//! ┌─────────┐    ╔════════╗    ┌────────┐
//! │ extract ├───▶║ load   ╟───▶│ report │
//! └─python──┘    ╚═python═╝    └─docker─┘
//! ```
//!
//! Cache the layout in the pane's state and rebuild it when
//! [`GraphLayout::is_current`] says the flow's tasks or edges changed.

pub use crate::state::view::graph::{
    label_text, truncate, Arrow, Direction, GraphLayout, LaidEdge, NodeBox, Segment, BOX_HEIGHT,
    MAX_LABEL_WIDTH,
};

use crate::model::deploy::DeployState;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::Widget;
use std::collections::HashMap;
use unicode_width::UnicodeWidthChar;

/// Colour of a task from the state of its latest run (Airflow's task instance state
/// names), following Airflow's own legend where a terminal colour is close.
pub fn run_state_style(state: &str) -> Style {
    let fg = match state {
        "success" => Color::Green,
        "failed" => Color::Red,
        "upstream_failed" => Color::LightRed,
        "running" => Color::Cyan,
        "queued" | "scheduled" => Color::Gray,
        "up_for_retry" => Color::Yellow,
        "up_for_reschedule" | "deferred" => Color::LightCyan,
        "restarting" => Color::LightMagenta,
        "skipped" => Color::Magenta,
        "removed" => Color::DarkGray,
        _ => return Style::new(),
    };
    Style::new().fg(fg)
}

/// Colour of every task of a flow from its deploy state.
pub fn deploy_state_style(state: DeployState) -> Style {
    match state {
        DeployState::Saved | DeployState::Rendered => Style::new().fg(Color::Gray),
        DeployState::Parsing => Style::new().fg(Color::Yellow),
        DeployState::Ready => Style::new(),
        DeployState::ImportError => Style::new().fg(Color::Red),
    }
}

/// The task an import error points at: a red box that stands out whatever its run state.
pub fn import_error_style() -> Style {
    Style::new()
        .bg(Color::Red)
        .fg(Color::White)
        .add_modifier(Modifier::BOLD)
}

// Direction bits of a line cell; the character follows from the set.
const UP: u8 = 1;
const DOWN: u8 = 2;
const LEFT: u8 = 4;
const RIGHT: u8 = 8;
const LIT: u8 = 16;

const VERTICAL: u8 = UP | DOWN;
const HORIZONTAL: u8 = LEFT | RIGHT;
const DOWN_RIGHT: u8 = DOWN | RIGHT;
const DOWN_LEFT: u8 = DOWN | LEFT;
const UP_RIGHT: u8 = UP | RIGHT;
const UP_LEFT: u8 = UP | LEFT;
const TEE_RIGHT: u8 = UP | DOWN | RIGHT;
const TEE_LEFT: u8 = UP | DOWN | LEFT;
const TEE_DOWN: u8 = DOWN | LEFT | RIGHT;
const TEE_UP: u8 = UP | LEFT | RIGHT;

fn line_char(bits: u8) -> char {
    // In patterns `A | B` means "A or B": a lone end of a line is drawn as its line.
    // Rounded corners keep bends of edges apart from the square corners of boxes.
    match bits & (UP | DOWN | LEFT | RIGHT) {
        0 => ' ',
        UP | DOWN | VERTICAL => '│',
        LEFT | RIGHT | HORIZONTAL => '─',
        DOWN_RIGHT => '╭',
        DOWN_LEFT => '╮',
        UP_RIGHT => '╰',
        UP_LEFT => '╯',
        TEE_RIGHT => '├',
        TEE_LEFT => '┤',
        TEE_DOWN => '┬',
        TEE_UP => '┴',
        _ => '┼',
    }
}

/// Draws a [`GraphLayout`] scrolled to `offset` (layout column and row shown at the
/// area's top-left corner).
pub struct GraphView<'a> {
    layout: &'a GraphLayout,
    offset: (u32, u32),
    selected: Option<usize>,
    styles: Option<&'a HashMap<String, Style>>,
    edge_style: Style,
    lit_style: Style,
}

impl<'a> GraphView<'a> {
    pub fn new(layout: &'a GraphLayout) -> GraphView<'a> {
        GraphView {
            layout,
            offset: (0, 0),
            selected: None,
            styles: None,
            edge_style: Style::new().fg(Color::DarkGray),
            lit_style: Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        }
    }

    pub fn offset(mut self, offset: (u32, u32)) -> Self {
        self.offset = offset;
        self
    }

    /// The selected box (an index into `layout.nodes`): double border, and its edges lit.
    pub fn selected(mut self, selected: Option<usize>) -> Self {
        self.selected = selected;
        self
    }

    /// Style per task, keyed by variable id (Airflow's task_id), e.g. from
    /// [`run_state_style`] or [`import_error_style`]. Tasks not in the map are plain.
    pub fn styles(mut self, styles: &'a HashMap<String, Style>) -> Self {
        self.styles = Some(styles);
        self
    }

    pub fn edge_style(mut self, style: Style) -> Self {
        self.edge_style = style;
        self
    }

    /// Style of the edges of the selected box.
    pub fn lit_style(mut self, style: Style) -> Self {
        self.lit_style = style;
        self
    }

    fn is_lit(&self, edge: usize) -> bool {
        match (self.selected, self.layout.edges.get(edge)) {
            (Some(s), Some(e)) => e.from == s || e.to == s,
            _ => false,
        }
    }
}

/// Maps layout cells into the area being drawn.
struct Window {
    area: Rect,
    x0: u32,
    y0: u32,
}

impl Window {
    // Saturating: the caller's offset is not trusted to be clamped.
    fn x1(&self) -> u32 {
        self.x0.saturating_add(u32::from(self.area.width))
    }

    fn y1(&self) -> u32 {
        self.y0.saturating_add(u32::from(self.area.height))
    }

    fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.x0 && x < self.x1() && y >= self.y0 && y < self.y1()
    }

    /// Screen position of a layout cell, if it is in view.
    fn screen(&self, x: u32, y: u32) -> Option<(u16, u16)> {
        if !self.contains(x, y) {
            return None;
        }
        // In view, so both differences fit the area's u16 size.
        let dx = u16::try_from(x - self.x0).ok()?;
        let dy = u16::try_from(y - self.y0).ok()?;
        Some((self.area.x + dx, self.area.y + dy))
    }

    fn put(&self, buf: &mut Buffer, x: u32, y: u32, c: char, style: Style) {
        if let Some(cell) = self.screen(x, y).and_then(|p| buf.cell_mut(p)) {
            cell.set_char(c).set_style(style);
        }
    }
}

impl Widget for GraphView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let layout = self.layout;
        if layout.nodes.is_empty() {
            let msg = "no tasks";
            let x = area.x + area.width.saturating_sub(msg.len() as u16) / 2;
            buf.set_stringn(
                x,
                area.y + area.height / 2,
                msg,
                usize::from(area.width),
                Style::new().fg(Color::DarkGray),
            );
            return;
        }
        let win = Window {
            area,
            x0: self.offset.0,
            y0: self.offset.1,
        };
        let columns = layout.visible_columns(win.x0, win.x1());

        // Lines first, as direction bits per visible cell, so crossings and junctions of
        // several edges get the right box-drawing character.
        let w = usize::from(area.width);
        let mut grid = vec![0u8; w * usize::from(area.height)];
        for col in &layout.columns[columns.clone()] {
            for s in &layout.segments[col.segments.clone()] {
                let lit = if self.is_lit(s.edge) { LIT } else { 0 };
                mark(&mut grid, &win, s, lit);
            }
        }
        for (i, bits) in grid.iter().enumerate() {
            if *bits == 0 {
                continue;
            }
            let style = if bits & LIT != 0 {
                self.lit_style
            } else {
                self.edge_style
            };
            let (x, y) = ((i % w) as u16, (i / w) as u16);
            if let Some(cell) = buf.cell_mut((area.x + x, area.y + y)) {
                cell.set_char(line_char(*bits)).set_style(style);
            }
        }
        for col in &layout.columns[columns.clone()] {
            for a in &layout.arrows[col.arrows.clone()] {
                let style = if self.is_lit(a.edge) {
                    self.lit_style
                } else {
                    self.edge_style
                };
                win.put(buf, a.x, a.y, '▶', style);
            }
        }

        // Boxes last: they own their border cells, where lines end.
        for col in &layout.columns[columns] {
            for &i in &col.nodes {
                let b = &layout.nodes[i];
                if b.y >= win.y1() || b.y + b.height <= win.y0 {
                    continue;
                }
                let style = self
                    .styles
                    .and_then(|m| m.get(&b.variable_id))
                    .copied()
                    .unwrap_or_default();
                let feeds = !layout.successors(i).is_empty();
                draw_box(buf, &win, b, style, self.selected == Some(i), feeds);
            }
        }

        if layout.skipped_edges > 0 {
            let note = format!(
                " {} edge{} not drawn (cycle or unknown task) ",
                layout.skipped_edges,
                if layout.skipped_edges == 1 { "" } else { "s" }
            );
            let x = area.right().saturating_sub(note.len() as u16).max(area.x);
            buf.set_stringn(
                x,
                area.bottom() - 1,
                &note,
                usize::from(area.width),
                Style::new().fg(Color::Yellow),
            );
        }
    }
}

/// Sets the direction bits of the visible cells of one segment: each cell connects to
/// its neighbours along the segment, end cells only inwards.
fn mark(grid: &mut [u8], win: &Window, s: &Segment, lit: u8) {
    let w = usize::from(win.area.width);
    if s.y0 == s.y1 {
        if s.y0 < win.y0 || s.y0 >= win.y1() || s.x1 < win.x0 || s.x0 >= win.x1() {
            return;
        }
        let row = (s.y0 - win.y0) as usize;
        for x in s.x0.max(win.x0)..=s.x1.min(win.x1() - 1) {
            let mut bits = lit;
            if x > s.x0 {
                bits |= LEFT;
            }
            if x < s.x1 {
                bits |= RIGHT;
            }
            grid[row * w + (x - win.x0) as usize] |= bits;
        }
    } else {
        if s.x0 < win.x0 || s.x0 >= win.x1() || s.y1 < win.y0 || s.y0 >= win.y1() {
            return;
        }
        let col = (s.x0 - win.x0) as usize;
        for y in s.y0.max(win.y0)..=s.y1.min(win.y1() - 1) {
            let mut bits = lit;
            if y > s.y0 {
                bits |= UP;
            }
            if y < s.y1 {
                bits |= DOWN;
            }
            grid[(y - win.y0) as usize * w + col] |= bits;
        }
    }
}

/// One box: border (double when selected), label, mode in the bottom border, and a
/// tee on the right border where its edges leave.
fn draw_box(
    buf: &mut Buffer,
    win: &Window,
    b: &NodeBox,
    style: Style,
    selected: bool,
    feeds: bool,
) {
    let (x0, y0) = (b.x, b.y);
    let x1 = b.x + b.width - 1;
    let y1 = b.y + b.height - 1;
    let mut border = style;
    if selected {
        border = border.add_modifier(Modifier::BOLD);
    }
    let [h, v, tl, tr, bl, br, tee] = if selected {
        ['═', '║', '╔', '╗', '╚', '╝', '╟']
    } else {
        ['─', '│', '┌', '┐', '└', '┘', '├']
    };
    // Clip the horizontal loops to the window: a box can be far wider than the view
    // only in theory, but drawing stays proportional to what is visible.
    let xs = b.x.max(win.x0)..=x1.min(win.x1().saturating_sub(1));
    for x in xs.clone() {
        win.put(buf, x, y0, h, border);
        win.put(buf, x, y1, h, border);
        for y in y0 + 1..y1 {
            win.put(buf, x, y, ' ', style);
        }
    }
    win.put(buf, x0, y0, tl, border);
    win.put(buf, x1, y0, tr, border);
    win.put(buf, x0, y1, bl, border);
    win.put(buf, x1, y1, br, border);
    for y in y0 + 1..y1 {
        win.put(buf, x0, y, v, border);
        let right = if feeds && y == b.port_row() { tee } else { v };
        win.put(buf, x1, y, right, border);
    }
    let mut label = style;
    if selected {
        label = label.add_modifier(Modifier::REVERSED | Modifier::BOLD);
    }
    put_text(buf, win, x0 + 2, b.port_row(), x1 - 1, &b.label, label);
    let mode = style.add_modifier(Modifier::DIM);
    put_text(buf, win, x0 + 2, y1, x1 - 1, b.mode.as_str(), mode);
}

/// Writes text from layout cell `x` up to (not including) `end`, clipped to the window.
/// A two-column character cut by the window edge becomes a blank, never half a glyph.
fn put_text(
    buf: &mut Buffer,
    win: &Window,
    mut x: u32,
    y: u32,
    end: u32,
    text: &str,
    style: Style,
) {
    for c in text.chars() {
        let cw = u32::try_from(c.width().unwrap_or(0)).unwrap_or(1);
        if cw == 0 {
            continue;
        }
        if x + cw > end {
            break;
        }
        if cw == 1 {
            win.put(buf, x, y, c, style);
        } else if win.contains(x, y) && win.contains(x + 1, y) {
            win.put(buf, x, y, c, style);
            // The cell under the second half is skipped when drawing, as ratatui does.
            if let Some(cell) = win.screen(x + 1, y).and_then(|p| buf.cell_mut(p)) {
                cell.reset();
                cell.set_style(style);
            }
        } else {
            win.put(buf, x, y, ' ', style);
            win.put(buf, x + 1, y, ' ', style);
        }
        x += cw;
    }
}
