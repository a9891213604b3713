//! Form building blocks shared by every editor.

use crate::domain::FieldError;
use crate::error::AppError;
use leptos::prelude::*;
use std::collections::HashSet;
use std::future::Future;

/// A form's save as a Leptos [`Action`]: dispatch it with the form's input; its `pending()`
/// is the busy state, its value whether the last save went through. The answer goes to
/// `saved`, a refusal to `refused` (a form's [`FormErrors::refused`], so the right field
/// shows it). The settings, token, visit and radius forms use it; forms whose answer needs
/// more than a callback (the board's drawer, the target editor, the stage rows) hold an
/// [`Action`] of their own. None tracks busy or saved by hand.
pub fn save_action<I, T, Fut>(
    save: impl Fn(I) -> Fut + Send + Sync + 'static,
    saved: impl Fn(T) + Clone + Send + Sync + 'static,
    refused: impl Fn(AppError) + Clone + Send + Sync + 'static,
) -> Action<I, bool>
where
    I: Clone + Send + Sync + 'static,
    T: 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    Action::new(move |input: &I| {
        let answer = save(input.clone());
        let (saved, refused) = (saved.clone(), refused.clone());
        async move {
            match answer.await {
                Ok(value) => {
                    saved(value);
                    true
                }
                Err(e) => {
                    refused(e);
                    false
                }
            }
        }
    })
}

/// For forms that keep one refusal (their own check or the server's) in a signal: the message
/// to show under `field` when the refusal is about it.
pub fn problem_of(
    error: RwSignal<Option<AppError>>,
    field: &'static str,
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    move || {
        error.with(|e| match e {
            Some(AppError::Invalid { field: f, message }) if f == field => Some(message.clone()),
            _ => None,
        })
    }
}

/// The refusal in `error` when it is about none of `fields` (shown above the buttons).
pub fn problem_elsewhere(
    error: RwSignal<Option<AppError>>,
    fields: &'static [&'static str],
) -> impl Fn() -> Option<String> + Copy + Send + Sync + 'static {
    move || {
        error.with(|e| match e {
            Some(e) if e.field().is_some_and(|f| fields.contains(&f)) => None,
            Some(e) => Some(e.to_string()),
            None => None,
        })
    }
}

/// A labelled form field with its problem underneath, tied together for screen readers: the
/// control (`id="field-{field}"`, given by the caller) is described by the problem's line and
/// marked `aria-invalid` while there is one (set in the browser, as the problem changes).
#[component]
pub fn Field(
    label: &'static str,
    field: &'static str,
    error: impl Fn() -> Option<String> + Send + Sync + Copy + 'static,
    children: Children,
) -> impl IntoView {
    Effect::new(move |_| {
        let invalid = error().is_some();
        if let Some(control) = document().get_element_by_id(&format!("field-{field}")) {
            let _ = control.set_attribute("aria-describedby", &format!("error-{field}"));
            let _ = control.set_attribute("aria-invalid", if invalid { "true" } else { "false" });
        }
    });
    view! {
        <div class="field" class:invalid=move || error().is_some() data-field=field>
            <label for=format!("field-{field}")>{label}</label>
            {children()}
            <p class="field-error" id=format!("error-{field}") data-testid=format!("error-{field}")>
                {error}
            </p>
        </div>
    }
}

/// When a form shows which problem: a field's problem once the field was left or a save was
/// tried (not while its first letter is typed), the server's refusal of a field until that
/// field is edited, and a refusal about no field above the buttons.
#[derive(Clone, Copy)]
pub struct FormErrors {
    touched: RwSignal<HashSet<&'static str>>,
    tried: RwSignal<bool>,
    refusal: RwSignal<Option<AppError>>,
}

impl FormErrors {
    pub fn new() -> Self {
        FormErrors {
            touched: RwSignal::new(HashSet::new()),
            tried: RwSignal::new(false),
            refusal: RwSignal::new(None),
        }
    }

    /// A save is being tried: every problem shows, the last refusal is forgotten.
    pub fn try_save(&self) {
        self.tried.set(true);
        self.refusal.set(None);
    }

    /// The server refused the save.
    pub fn refused(&self, error: AppError) {
        self.refusal.set(Some(error));
    }

    /// The field was left.
    pub fn touch(&self, field: &'static str) {
        self.touched.update(|t| {
            t.insert(field);
        });
    }

    /// The field was edited: a refusal about it has been answered.
    pub fn edited(&self, field: &'static str) {
        if self
            .refusal
            .with_untracked(|e| e.as_ref().is_some_and(|e| e.field() == Some(field)))
        {
            self.refusal.set(None);
        }
    }

    /// The message under `field`: the server's refusal of it, or else (once shown) its problem
    /// among `problems`, the form's own parse.
    pub fn message(&self, field: &'static str, problems: &[FieldError]) -> Option<String> {
        let refused = self.refusal.with(|e| {
            e.as_ref()
                .filter(|e| e.field() == Some(field))
                .map(|e| match e {
                    AppError::Invalid { message, .. } => message.clone(),
                    other => other.to_string(),
                })
        });
        let shown = self.tried.get() || self.touched.with(|t| t.contains(field));
        refused.or_else(|| {
            shown
                .then(|| {
                    problems
                        .iter()
                        .find(|e| e.field == field)
                        .map(|e| e.message.clone())
                })
                .flatten()
        })
    }

    /// A refusal that names no field.
    pub fn general(&self) -> Option<String> {
        self.refusal.with(|e| {
            e.as_ref()
                .filter(|e| e.field().is_none())
                .map(ToString::to_string)
        })
    }
}

impl Default for FormErrors {
    fn default() -> Self {
        Self::new()
    }
}
