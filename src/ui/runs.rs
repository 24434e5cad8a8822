//! The Runs pane: runs of the flow selected in the Flows pane.

use super::block;
use super::theme::Theme;
use crate::keymap::{Action, Context, Keymap};
use crate::state::{Screen, State};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Padding, Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(
    state: &State,
    keymap: &Keymap,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
    _screen: &mut Screen,
) {
    let flows_key = keymap
        .key_for(&[Context::Global], Action::FocusFlows)
        .map(|k| k.to_string())
        .unwrap_or_else(|| ":flows".into());
    let Some(r) = state.flows.selected() else {
        let b = block(" Runs ", true, theme);
        let text = vec![
            Line::from("Select a flow in the Flows pane to see its runs."),
            Line::from(""),
            Line::from(vec![
                Span::raw("Press "),
                Span::styled(flows_key, theme.key),
                Span::raw(" for the Flows pane."),
            ]),
        ];
        frame.render_widget(
            Paragraph::new(text)
                .block(b.padding(Padding::horizontal(1)))
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    };
    let b = block(
        format!(
            " Runs · {} ",
            super::ellipsize(&r.name, usize::from(area.width.saturating_sub(12)))
        ),
        true,
        theme,
    );
    let label = |s: &'static str| Span::styled(format!("{s:<9} "), theme.dim);
    let desc = crate::state::text::lines(&r.flow.description);
    let mut text = vec![
        Line::from(vec![
            label("flow"),
            Span::styled(r.name.as_str(), theme.title),
        ]),
        Line::from(vec![label("dag id"), Span::raw(r.flow.id.as_str())]),
        Line::from(vec![
            label("version"),
            Span::raw(format!("v{}", r.flow.version)),
        ]),
        Line::from(vec![label("schedule"), Span::raw(r.schedule.as_str())]),
        Line::from(vec![
            label("deploy"),
            Span::styled(
                r.deploy_label.as_str(),
                super::flows::deploy_style(r, theme),
            ),
        ]),
    ];
    if let Some(first) = desc.first() {
        text.push(Line::from(vec![label("about"), Span::raw(first.as_str())]));
    }
    text.push(Line::from(""));
    text.push(Line::from(vec![
        Span::raw("Press "),
        Span::styled(flows_key, theme.key),
        Span::raw(" to choose another flow."),
    ]));
    frame.render_widget(
        Paragraph::new(text)
            .block(b.padding(Padding::horizontal(1)))
            .wrap(Wrap { trim: true }),
        area,
    );
}
