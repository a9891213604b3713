use crate::api::auth::{get_current_user, Logout};
use crate::error::AppError;
use crate::model::auth::SessionUser;
use crate::providers::resource::{once_resource, Json};
use leptos::prelude::*;

/// The signed-in user and the sign-out action, provided by the app layout.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub user: OnceResource<Result<SessionUser, AppError>, Json>,
    pub logout: ServerAction<Logout>,
}

pub fn provide_auth() -> AuthContext {
    let context = AuthContext {
        user: once_resource(get_current_user()),
        logout: ServerAction::<Logout>::new(),
    };
    provide_context(context);
    context
}

pub fn use_auth() -> AuthContext {
    expect_context::<AuthContext>()
}
