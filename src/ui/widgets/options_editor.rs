//! Draws the task options editor ([`OptionsEditor`]): the text with a line-number gutter
//! (`!` on lines with a problem, the first such line highlighted) and the problems under it.

use crate::model::options::{Applies, OPTION_SPECS, TEMPLATED_OPTIONS};
use crate::model::text::one_line;
use crate::model::Mode;
use crate::state::view::options_editor::{next_top, EditorKind, OptionsEditor, MAX_LISTED};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

impl OptionsEditor {
    /// Draws the editor in a bordered block, problems listed under it.
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        // Problem list under the editor: as many as fit, at most MAX_LISTED, leaving the
        // editor at least 3 text rows.
        let wanted = match self.problems.len() {
            0 => 1,
            n if n <= MAX_LISTED => n,
            _ => MAX_LISTED + 1,
        };
        let list_rows = u16::try_from(wanted)
            .unwrap_or(u16::MAX)
            .min(area.height.saturating_sub(5));
        let editor_area = Rect {
            height: area.height - list_rows,
            ..area
        };
        let list_area = Rect {
            y: area.y + editor_area.height,
            height: list_rows,
            ..area
        };

        let border = if self.problems.is_empty() {
            Style::new()
        } else {
            Style::new().fg(Color::Red)
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(self.title());
        let inner = block.inner(editor_area);
        block.render(editor_area, buf);
        self.render_text(inner, buf);
        self.render_problems(list_area, buf);
    }

    /// The gutter (line numbers, `!` on lines with problems) and the textarea.
    fn render_text(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let lines = self.textarea.lines().len().max(1);
        let digits = lines.to_string().len();
        let gutter_width = u16::try_from(digits + 2)
            .unwrap_or(u16::MAX)
            .min(area.width);
        let text_area = Rect {
            x: area.x + gutter_width,
            width: area.width - gutter_width,
            ..area
        };
        // The same rule tui-textarea applies when it renders (see `top_row`).
        let cursor_row = u16::try_from(self.textarea.cursor().0).unwrap_or(u16::MAX);
        let top = next_top(self.top_row.get(), cursor_row, text_area.height);
        self.top_row.set(top);
        self.page_rows.set(text_area.height);
        self.textarea.render(text_area, buf);

        let first_problem = self.problems.first().map(|p| p.line);
        let number_style = Style::new().fg(Color::DarkGray);
        let mark_style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
        for row in 0..area.height {
            let line = usize::from(top) + usize::from(row) + 1;
            if line > lines {
                break;
            }
            let y = area.y + row;
            let has_problem = self.problems.iter().any(|p| p.line == line);
            let mark = if has_problem {
                Span::styled("!", mark_style)
            } else {
                Span::raw(" ")
            };
            let number = Span::styled(
                format!("{line:>digits$} "),
                if has_problem {
                    mark_style
                } else {
                    number_style
                },
            );
            buf.set_line(area.x, y, &Line::from(vec![mark, number]), gutter_width);
            if first_problem == Some(line) {
                // Patch the background only: the text keeps its colours and the cursor
                // stays visible.
                let row_rect = Rect {
                    y,
                    height: 1,
                    ..text_area
                };
                buf.set_style(row_rect, Style::new().bg(Color::Red));
            }
        }
    }

    fn render_problems(&self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let mut lines: Vec<Line> = Vec::new();
        if self.problems.is_empty() {
            let ok = match self.kind {
                EditorKind::Code => "checked with python3 when applied (Ctrl-s)",
                _ => "options ok",
            };
            lines.push(Line::styled(ok, Style::new().fg(Color::DarkGray)));
        }
        let room = usize::from(area.height);
        let listed = if self.problems.len() > room {
            room.saturating_sub(1)
        } else {
            self.problems.len()
        };
        for p in &self.problems[..listed] {
            lines.push(Line::from(vec![
                Span::styled(
                    format!("line {}: ", p.line),
                    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                ),
                Span::styled(one_line(&p.message), Style::new().fg(Color::Red)),
            ]));
        }
        if listed < self.problems.len() {
            lines.push(Line::styled(
                format!("… and {} more", self.problems.len() - listed),
                Style::new().fg(Color::Red),
            ));
        }
        Paragraph::new(lines).render(area, buf);
    }
}

impl Widget for &OptionsEditor {
    fn render(self, area: Rect, buf: &mut Buffer) {
        OptionsEditor::render(self, area, buf);
    }
}

/// The options a text of `kind` may hold, one line each (`key  type — help`), for the
/// pane's help popup. Empty for code.
pub fn option_reference(kind: EditorKind) -> Vec<Line<'static>> {
    let mode = match kind {
        EditorKind::TaskOptions(mode) => Some(mode),
        EditorKind::FlowDefaults => None,
        EditorKind::Code => return Vec::new(),
    };
    let width = OPTION_SPECS.iter().map(|s| s.key.len()).max().unwrap_or(0);
    let mut lines: Vec<Line<'static>> = OPTION_SPECS
        .iter()
        .filter(|s| {
            matches!(
                (s.applies, mode),
                (Applies::All, _)
                    | (Applies::Python, Some(Mode::Python))
                    | (Applies::Docker, Some(Mode::Docker))
            )
        })
        .map(|s| {
            Line::from(vec![
                Span::styled(
                    format!("{:<width$}  ", s.key),
                    Style::new().add_modifier(Modifier::BOLD),
                ),
                Span::raw(s.ty.describe()),
                Span::styled(format!(" — {}", s.help), Style::new().fg(Color::DarkGray)),
            ])
        })
        .collect();
    if mode == Some(Mode::Docker) {
        lines.push(Line::from(""));
        lines.push(Line::from(format!(
            "Airflow renders the strings of {}: one with {{{{, {{% or {{# is a template;",
            TEMPLATED_OPTIONS.join(", ")
        )));
        lines.push(Line::from(
            "write { text = \"…\" } to pass it as typed, { template = \"…\" } for any template.",
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line]) -> String {
        lines
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_docker_reference_says_how_to_pass_text() {
        let docker = text(&option_reference(EditorKind::TaskOptions(Mode::Docker)));
        assert!(
            docker.contains("image, command, environment, mounts")
                && docker.contains("{ text = \"…\" }"),
            "{docker}"
        );
        // Python options are not templated: no such note.
        let python = text(&option_reference(EditorKind::TaskOptions(Mode::Python)));
        assert!(!python.contains("{ text ="), "{python}");
    }
}
