//! The SQL form of [`Scope`]: the one place that decides which owned rows a query may touch.

use crate::db::Sql;
use crate::domain::Scope;

/// Appends a condition restricting `owner_column` (a column holding a user id, named by our
/// code, never by input) to the owners `scope` allows.
pub fn push_owner_filter(qb: &mut Sql, scope: &Scope, owner_column: &'static str) {
    match scope {
        Scope::Own { user_id } => {
            qb.push(owner_column).push(" = ").push_bind(*user_id);
        }
        Scope::Subtree { unit_path } => {
            qb.push(owner_column).push(
                " IN (SELECT scope_u.id FROM users scope_u \
                 JOIN org_units scope_o ON scope_o.id = scope_u.org_unit_id \
                 WHERE scope_o.path LIKE ",
            );
            qb.push_bind(format!("{unit_path}%")).push(")");
        }
        Scope::All => {
            qb.push("1 = 1");
        }
    }
}

/// Appends the condition for targets `scope` may see, given the target's assignee unit path in
/// `path_column` and its assigned user in `user_column`: everything the scope covers, plus the
/// targets of the units above the viewer (a rep sees what their team and company aim for).
pub fn push_target_filter(
    qb: &mut Sql,
    scope: &Scope,
    own_unit_path: &str,
    path_column: &'static str,
    user_column: &'static str,
) {
    qb.push("(");
    push_place_filter(qb, scope, user_column, path_column);
    qb.push(" OR (")
        .push(user_column)
        .push(" IS NULL AND ")
        .push_bind(own_unit_path.to_string())
        .push(" LIKE ")
        .push(path_column)
        .push(" || '%'))");
}

/// Narrows to users of the org unit `unit_id` and the units below it. It is always combined
/// with [`push_owner_filter`] (AND), so it can narrow a scope but never widen it.
pub fn push_unit_filter(qb: &mut Sql, unit_id: i64, user_column: &'static str) {
    qb.push(user_column).push(
        " IN (SELECT fu.id FROM users fu JOIN org_units fo ON fo.id = fu.org_unit_id \
         WHERE fo.path LIKE (SELECT uo.path FROM org_units uo WHERE uo.id = ",
    );
    qb.push_bind(unit_id).push(") || '%')");
}

/// Appends the condition for records `scope` could see when they were owned by the user in
/// `owner_column` sitting in the unit path in `path_column` (a tombstone keeps both): the same
/// rule as [`push_owner_filter`], read from the stored place instead of the owner's current one.
pub fn push_place_filter(
    qb: &mut Sql,
    scope: &Scope,
    owner_column: &'static str,
    path_column: &'static str,
) {
    match scope {
        Scope::Own { user_id } => {
            qb.push(owner_column).push(" = ").push_bind(*user_id);
        }
        Scope::Subtree { unit_path } => {
            qb.push(path_column)
                .push(" LIKE ")
                .push_bind(format!("{unit_path}%"));
        }
        Scope::All => {
            qb.push("1 = 1");
        }
    }
}
