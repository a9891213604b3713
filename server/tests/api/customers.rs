//! Customers: the all-or-nothing CSV import (HTTP and its streamed report), re-import
//! idempotency, real-world file formats, role scoping; the plus/minus lists and trend changes
//! with their scoping, the CSV export, and planning a visit.

use crate::both_backends;
use crate::helpers::*;
use app::domain::turnover::{Direction, Mark, TrendWindows};
use app::model::customers::{CustomerDetail, CustomerList};
use app::model::imports::{ImportProgress, ImportReport};
use chrono::{Datelike, Months, NaiveDate, Utc};
use reqwest::StatusCode;

both_backends!(
    one_bad_line_stores_nothing_and_a_reimport_stores_nothing_twice,
    semicolons_decimal_commas_german_dates_and_a_bom,
    unknown_customers_are_created_and_customer_files_update,
    imports_are_scoped_by_role,
    plus_minus_and_trend_lists_follow_design_and_scope,
    planning_a_visit,
    concurrent_imports_never_overwrite_another_units_customer,
    a_potential_is_edited_in_scope_and_the_list_shows_how_much_is_reached,
);

async fn import(
    app: &TestApp,
    client: &reqwest::Client,
    kind: &str,
    body: &str,
) -> (StatusCode, Vec<ImportProgress>) {
    let response = client
        .post(format!("{}/api/import/{kind}", app.address))
        .header("content-type", "text/csv")
        .body(body.to_string())
        .send()
        .await
        .expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    if status != StatusCode::OK {
        return (status, Vec::new());
    }
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (status, lines)
}

async fn report(app: &TestApp, client: &reqwest::Client, kind: &str, body: &str) -> ImportReport {
    let (status, lines) = import(app, client, kind, body).await;
    assert_eq!(status, StatusCode::OK);
    match lines.last() {
        Some(ImportProgress::Done { report }) => report.clone(),
        other => panic!("the stream ends with a report, not {other:?}"),
    }
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = app::db::sql(sql).fetch_one(&app.db).await.unwrap();
    n
}

async fn one_bad_line_stores_nothing_and_a_reimport_stores_nothing_twice(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let good = "customer_ref,date,amount,reference\n\
                Customer-3-0,2026-01-05,100.00,INV-1\n\
                Customer-3-0,2026-01-05,100.00,\n\
                Customer-3-0,2026-01-05,100.00,\n\
                Customer-3-1,2026-02-10,250.50,INV-2\n\
                Customer-4-0,2026-03-01,99.99,INV-3\n";
    let bad = good.replace(
        "Customer-3-1,2026-02-10,250.50",
        "Customer-3-1,2026-02-30,25x",
    );
    let refused = report(&app, &admin, "sales", &bad).await;
    assert!(!refused.stored);
    let problems: Vec<(u64, Option<&str>)> = refused
        .errors
        .iter()
        .map(|e| (e.line, e.column.as_deref()))
        .collect();
    assert_eq!(problems, vec![(5, Some("date")), (5, Some("amount"))]);
    assert!(refused
        .summary(app::model::imports::ImportKind::Sales)
        .contains("Nothing was imported"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sales").await,
        0,
        "nothing of the good lines is stored"
    );

    let stored = report(&app, &admin, "sales", good).await;
    assert!(stored.stored, "{stored:?}");
    assert_eq!(
        (
            stored.lines,
            stored.created,
            stored.updated,
            stored.unchanged
        ),
        (5, 5, 0, 0)
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM sales").await,
        5,
        "identical lines are two sales"
    );

    let again = report(&app, &admin, "sales", good).await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 5));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 5);

    // The ERP corrects an invoice: same reference, new amount → updated, not added.
    let corrected = good.replace("99.99,INV-3", "109.99,INV-3");
    let fixed = report(&app, &admin, "sales", &corrected).await;
    assert_eq!((fixed.created, fixed.updated, fixed.unchanged), (0, 1, 4));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 5);
    assert_eq!(
        count(
            &app,
            "SELECT amount_minor FROM sales WHERE reference = 'INV-3'"
        )
        .await,
        10_999
    );
    let month = |r: &str, year: i32, m: u32| {
        format!("SELECT CAST(COALESCE(SUM(t.m{m}), 0) AS BIGINT) FROM turnover_years t JOIN customers c ON c.id = t.customer_id WHERE c.external_ref = '{r}' AND t.year = {year}")
    };
    assert_eq!(
        count(&app, &month("Customer-4-0", 2026, 3)).await,
        10_999,
        "monthly totals follow the correction"
    );
    assert_eq!(count(&app, &month("Customer-3-0", 2026, 1)).await, 30_000);

    // The invoice belonged to another customer and year: both months are right afterwards.
    let moved = corrected.replace(
        "Customer-4-0,2026-03-01,109.99,INV-3",
        "Customer-3-0,2025-12-31,109.99,INV-3",
    );
    let r = report(&app, &admin, "sales", &moved).await;
    assert_eq!((r.created, r.updated), (0, 1));
    assert_eq!(count(&app, &month("Customer-4-0", 2026, 3)).await, 0);
    assert_eq!(count(&app, &month("Customer-3-0", 2025, 12)).await, 10_999);
}

async fn semicolons_decimal_commas_german_dates_and_a_bom(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let file = "\u{feff}Customer_Ref;Date;Amount;Currency;Reference\r\n\
                Customer-3-0;31.03.2026;1.234,56;EUR;R-1\r\n\
                Customer-3-0;1.4.2026;-12,5;;R-2\r\n\
                Customer-3-1;2026-04-02;7;usd;R-3\r\n";
    let r = report(&app, &admin, "sales", file).await;
    assert!(r.stored, "{r:?}");
    assert_eq!(r.created, 3);
    assert!(
        r.notes.iter().any(|n| n.contains("semicolons")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes.iter().any(|n| n.contains("USD")),
        "other currencies are named: {:?}",
        r.notes
    );
    assert_eq!(
        count(
            &app,
            "SELECT CAST(SUM(amount_minor) AS BIGINT) FROM sales WHERE currency = 'EUR'"
        )
        .await,
        123_456 - 1_250
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM sales WHERE sold_on = '2026-03-31' OR sold_on = '2026-04-01'"
        )
        .await,
        2
    );
}

async fn unknown_customers_are_created_and_customer_files_update(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let r = report(&app, &admin, "sales", "customer_ref,date,amount\nNEW-7,2026-05-01,10\nNEW-7,2026-05-02,10\nCustomer-3-0,2026-05-01,1\n").await;
    assert!(r.stored);
    assert_eq!(r.new_customers, vec!["NEW-7".to_string()]);
    assert!(r
        .summary(app::model::imports::ImportKind::Sales)
        .contains("1 unknown customer references became new customers"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE name = 'NEW-7' AND external_ref = 'NEW-7'"
        )
        .await,
        1
    );

    // A customer file names it, gives it an owner and a place; a bad owner refuses the file.
    let bad = "customer_ref,name,owner_email,segment,lat,lon\n\
               NEW-7,Neu GmbH,rep.n1@example.test,price,53.5,10.0\n\
               Customer-3-0,Renamed,nobody@example.test,relationship,,\n";
    let refused = report(&app, &admin, "customers", bad).await;
    assert!(!refused.stored);
    assert_eq!(refused.errors.len(), 1);
    assert_eq!(
        (refused.errors[0].line, refused.errors[0].column.as_deref()),
        (3, Some("owner_email"))
    );
    assert!(refused.errors[0]
        .reason
        .contains("no user has the e-mail address nobody@example.test"));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM customers WHERE name = 'Neu GmbH'"
        )
        .await,
        0
    );

    let good = bad.replace("nobody@example.test", "rep.n1@example.test")
        + "C-NEW,Brand New AG,,relationship,,\n";
    let r = report(&app, &admin, "customers", &good).await;
    assert!(r.stored, "{r:?}");
    assert_eq!((r.created, r.updated, r.unchanged), (1, 2, 0));
    let again = report(&app, &admin, "customers", &good).await;
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3));
    let n1 = signed_in(&app, REP_N1).await;
    let list: CustomerList = app
        .call(&n1, "customers", &[("search", "neu")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        list.customers.len(),
        1,
        "the rep now owns the named customer"
    );
    assert_eq!(list.customers[0].segment, "price");
}

async fn imports_are_scoped_by_role(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let file = "customer_ref,date,amount\nCustomer-3-0,2026-01-05,1\nCustomer-5-0,2026-01-05,1\nNEW-M,2026-01-06,1\n";

    let anonymous = app.new_session();
    assert_eq!(
        import(&app, &anonymous, "sales", file).await.0,
        StatusCode::UNAUTHORIZED
    );
    let rep = signed_in(&app, REP_N1).await;
    assert_eq!(
        import(&app, &rep, "sales", file).await.0,
        StatusCode::FORBIDDEN
    );
    let manager = signed_in(&app, MANAGER_NORTH).await;
    assert_eq!(
        import(&app, &manager, "things", file).await.0,
        StatusCode::NOT_FOUND
    );

    // A manager of North: a South customer is refused, by line; nothing stored.
    let r = report(&app, &manager, "sales", file).await;
    assert!(!r.stored);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].line, 3);
    assert!(r.errors[0].reason.contains("another unit"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM sales").await, 0);

    // Without it, a new customer becomes the manager's, so it stays in their sight.
    let ok = file.replace("Customer-5-0,2026-01-05,1\n", "");
    let r = report(&app, &manager, "sales", &ok).await;
    assert!(r.stored, "{r:?}");
    let list: CustomerList = app
        .call(&manager, "customers", &[("search", "NEW-M")])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.customers.len(), 1);
    assert_eq!(
        list.customers[0].owner_name.as_deref(),
        Some("manager north")
    );

    // A reference another unit's sale carries cannot be taken over.
    let admin = signed_in(&app, ADMIN).await;
    assert!(
        report(
            &app,
            &admin,
            "sales",
            "customer_ref,date,amount,reference\nCustomer-5-0,2026-01-05,1,S-9\n"
        )
        .await
        .stored
    );
    let r = report(
        &app,
        &manager,
        "sales",
        "customer_ref,date,amount,reference\nCustomer-3-0,2026-01-05,1,S-9\n",
    )
    .await;
    assert!(!r.stored);
    assert_eq!(r.errors[0].column.as_deref(), Some("reference"));
    // Customer files: an owner outside the unit is refused.
    let r = report(
        &app,
        &manager,
        "customers",
        "customer_ref,name,owner_email,segment\nX-1,X,rep.s1@example.test,price\n",
    )
    .await;
    assert!(!r.stored);
    assert!(r.errors[0].reason.contains("not in your unit"));
}

/// `d` moved to this year or the year before, keeping month and day.
fn day(year: i32, month: u32, d: u32) -> String {
    NaiveDate::from_ymd_opt(year, month, d).unwrap().to_string()
}

async fn plus_minus_and_trend_lists_follow_design_and_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let today = Utc::now().date_naive();
    let (this, last) = (today.year(), today.year() - 1);
    let mut file = String::from("customer_ref,date,amount\n");
    // 1 January lies in every year-to-date span, this year and last.
    let mut sale =
        |r: &str, date: String, amount: &str| file.push_str(&format!("{r},{date},{amount}\n"));
    sale("Customer-3-0", day(this, 1, 1), "10.00"); // plus: 10 against 5
    sale("Customer-3-0", day(last, 1, 1), "5.00");
    sale("Customer-3-1", day(last, 1, 1), "8.00"); // minus, lost: 0 against 8
    sale("Customer-3-2", day(this, 1, 1), "3.00"); // plus, new: first sale this year
    sale("Customer-4-0", day(this, 1, 1), "1.00"); // minus: 1 against 4
    sale("Customer-4-0", day(last, 1, 1), "4.00");
    // Customer-5-0: € 2 000 in each of the 12 base months, € 3 000 in each recent month → +50 %.
    let w = TrendWindows::on(today);
    for m in 0..12 {
        sale(
            "Customer-5-0",
            (w.base.start() + Months::new(m))
                .with_day(15)
                .unwrap()
                .to_string(),
            "2000",
        );
    }
    for m in 0..3 {
        sale(
            "Customer-5-0",
            (w.recent.start() + Months::new(m))
                .with_day(15)
                .unwrap()
                .to_string(),
            "3000",
        );
    }
    assert!(report(&app, &admin, "sales", &file).await.stored);

    let list = |client: reqwest::Client, params: Vec<(&'static str, &'static str)>| {
        let app = &app;
        async move {
            let response = app.call(&client, "customers", &params).await;
            assert_eq!(response.status(), StatusCode::OK);
            let list: CustomerList = response.json().await.unwrap();
            list
        }
    };
    let names = |l: &CustomerList| {
        l.customers
            .iter()
            .map(|c| c.name.clone())
            .collect::<Vec<_>>()
    };
    let n1 = signed_in(&app, REP_N1).await;
    let plus = list(n1.clone(), vec![("list", "plus")]).await;
    assert_eq!(names(&plus), ["Customer 3-0", "Customer 3-2"]);
    assert_eq!(plus.customers[0].deviation.delta_minor, 500);
    assert_eq!(
        plus.customers[0].deviation.pct,
        Some(rust_decimal::Decimal::from(100))
    );
    assert_eq!(plus.customers[1].deviation.mark, Some(Mark::New));
    let minus = list(n1.clone(), vec![("list", "minus")]).await;
    assert_eq!(names(&minus), ["Customer 3-1"]);
    assert_eq!(minus.customers[0].deviation.mark, Some(Mark::Lost));
    assert!(list(n1.clone(), vec![("list", "trend")])
        .await
        .customers
        .is_empty());

    // The manager of North sees both North reps' customers, most negative first.
    let north = signed_in(&app, MANAGER_NORTH).await;
    let minus = list(north.clone(), vec![("list", "minus")]).await;
    assert_eq!(names(&minus), ["Customer 3-1", "Customer 4-0"]);
    // Narrowed to a unit: an admin to North; a manager of North cannot widen to South.
    let north_id = count(&app, "SELECT id FROM org_units WHERE name = 'North'")
        .await
        .to_string();
    let south_id = count(&app, "SELECT id FROM org_units WHERE name = 'South'")
        .await
        .to_string();
    let north_id: &'static str = Box::leak(north_id.into_boxed_str());
    let south_id: &'static str = Box::leak(south_id.into_boxed_str());
    let admin_north = list(admin.clone(), vec![("list", "minus"), ("unit", north_id)]).await;
    assert_eq!(names(&admin_north), ["Customer 3-1", "Customer 4-0"]);
    assert!(list(north.clone(), vec![("unit", south_id)])
        .await
        .customers
        .is_empty());
    let units: Vec<app::model::pipeline::Choice> = app
        .call(&north, "customer_units", &[])
        .await
        .json()
        .await
        .unwrap();
    let labels: Vec<&str> = units.iter().map(|u| u.label.as_str()).collect();
    assert_eq!(labels, ["North", "N1"]);
    let rep_units: Vec<app::model::pipeline::Choice> = app
        .call(&n1, "customer_units", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(rep_units.is_empty());

    // Sorted by another column on request.
    let by_name = list(
        north.clone(),
        vec![("list", "minus"), ("sort", "name"), ("desc", "1")],
    )
    .await;
    assert_eq!(names(&by_name), ["Customer 4-0", "Customer 3-1"]);

    let trend = list(admin.clone(), vec![("list", "trend")]).await;
    assert_eq!(names(&trend), ["Customer 5-0"]);
    let t = trend.customers[0].trend.unwrap();
    assert_eq!(
        (t.direction, t.change_pct),
        (Direction::Up, rust_decimal::Decimal::from(50))
    );
    assert_eq!(
        (t.recent_per_month_minor, t.base_per_month_minor),
        (300_000, 200_000)
    );
    assert!(
        list(north.clone(), vec![("list", "trend")])
            .await
            .customers
            .is_empty(),
        "South's trend is not North's"
    );

    // A raised rule no longer flags it.
    let saved = app
        .call(
            &admin,
            "save_trend_rule",
            &[
                ("input[relationship_pct]", "60"),
                ("input[price_pct]", "60"),
                ("input[min_change_amount]", "500"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    assert!(list(admin.clone(), vec![("list", "trend")])
        .await
        .customers
        .is_empty());
    let refused = app
        .call(
            &north,
            "save_trend_rule",
            &[
                ("input[relationship_pct]", "10"),
                ("input[price_pct]", "25"),
                ("input[min_change_amount]", "5"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let bad = app
        .call(
            &admin,
            "save_trend_rule",
            &[
                ("input[relationship_pct]", "0"),
                ("input[price_pct]", "25"),
                ("input[min_change_amount]", "5"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(bad).await.field(), Some("relationship_pct"));

    // A period of one's own choosing, and a period that ends before it starts.
    let last_jan = list(
        n1.clone(),
        vec![
            ("list", "plus"),
            ("from", "2000-01-01"),
            ("to", "2000-12-31"),
        ],
    )
    .await;
    assert!(last_jan.customers.is_empty());
    let backwards = app
        .call(
            &n1,
            "customers",
            &[("from", "2026-05-01"), ("to", "2026-04-01")],
        )
        .await;
    assert_eq!(backwards.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(backwards).await.field(), Some("to"));

    // The export is the list, every row, as CSV.
    let csv = app
        .get(&north, "/api/export/customers.csv?list=minus")
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("customers-minus-"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[0].starts_with("customer_ref,name,segment,owner,period_start"));
    assert!(lines[1].starts_with("Customer-3-1,Customer 3-1,relationship,rep n1,"));
    assert!(
        lines[1].contains(",0.00,8.00,-8.00,-100,lost,"),
        "{}",
        lines[1]
    );
    let anonymous = app
        .get(&app.new_session(), "/api/export/customers.csv")
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

async fn planning_a_visit(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let n1 = signed_in(&app, REP_N1).await;
    let own = fx.customer_id(REP_N1_INDEX, 0).to_string();
    let other = fx.customer_id(REP_S1_INDEX, 0).to_string();
    let tomorrow = (Utc::now().date_naive() + chrono::Days::new(1)).to_string();
    let ok = app
        .call(
            &n1,
            "plan_visit",
            &[
                ("customer_id", &own),
                ("day", &tomorrow),
                ("notes", "Spring range"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let detail: CustomerDetail = app
        .call(&n1, "customer", &[("id", &own)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.months.len(), 24);
    let planned: Vec<_> = detail.activities.iter().filter(|a| a.planned).collect();
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].notes, "Spring range");
    assert_eq!(planned[0].occurred_at.date_naive().to_string(), tomorrow);
    // A planned visit is not a visit yet.
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM activities WHERE NOT planned").await,
        0
    );

    let hidden = app
        .call(
            &n1,
            "plan_visit",
            &[("customer_id", &other), ("day", &tomorrow), ("notes", "")],
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let past = app
        .call(
            &n1,
            "plan_visit",
            &[("customer_id", &own), ("day", "2000-01-01"), ("notes", "")],
        )
        .await;
    assert_eq!(past.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app_error(past).await.field(), Some("day"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM activities").await, 1);
}

async fn concurrent_imports_never_overwrite_another_units_customer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Fixture::load(&app.db).await;
    let north = signed_in(&app, MANAGER_NORTH).await;
    let south = signed_in(&app, MANAGER_SOUTH).await;
    // Each manager imports a file naming the same new reference for one of their own reps,
    // at the same moment, with enough other lines that the two transactions overlap.
    let file = |unit: &str, owner: &str, round: usize| {
        let mut f =
            format!("customer_ref,name,owner_email,segment\nRACE-{round},{unit}'s,{owner},price\n");
        for i in 0..2_000 {
            f.push_str(&format!("{unit}-{round}-{i},Filler,{owner},price\n"));
        }
        f
    };
    for round in 0..3 {
        let (north_file, south_file) = (file("North", REP_N1, round), file("South", REP_S1, round));
        let (a, b) = tokio::join!(
            report(&app, &north, "customers", &north_file),
            report(&app, &south, "customers", &south_file),
        );
        assert!(
            a.stored != b.stored,
            "exactly one of the two is stored: {:?} / {:?}",
            a.errors.first(),
            b.errors.first()
        );
        let (refused, winner_owner) = if a.stored { (b, REP_N1) } else { (a, REP_S1) };
        assert!(
            refused.errors[0].reason.contains("another unit"),
            "{:?}",
            refused.errors
        );
        let (owner,): (String,) = app::db::sql(
            "SELECT u.email FROM customers c JOIN users u ON u.id = c.owner_id \
             WHERE c.external_ref = $1",
        )
        .bind(format!("RACE-{round}"))
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(owner, winner_owner, "the stored import's owner stands");
    }
}

async fn potential_of(app: &TestApp, customer: i64) -> Option<i64> {
    let (potential,): (Option<i64>,) =
        app::db::sql("SELECT potential_minor FROM customers WHERE id = $1")
            .bind(customer)
            .fetch_one(&app.db)
            .await
            .unwrap();
    potential
}

async fn a_potential_is_edited_in_scope_and_the_list_shows_how_much_is_reached(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let fx = Fixture::load(&app.db).await;
    let admin = signed_in(&app, ADMIN).await;
    let n1 = signed_in(&app, REP_N1).await;
    let s1 = signed_in(&app, REP_S1).await;
    let (own, small) = (
        fx.customer_id(REP_N1_INDEX, 0),
        fx.customer_id(REP_N1_INDEX, 1),
    );
    let (own_s, small_s) = (own.to_string(), small.to_string());
    // € 45,600 bought in the last 12 months; an older sale does not count toward the share.
    let today = Utc::now().date_naive();
    let sales = format!(
        "customer_ref,date,amount,reference\n\
         Customer-3-0,{},45600.00,POT-1\n\
         Customer-3-0,{},10000.00,POT-2\n",
        today - chrono::Days::new(30),
        today - chrono::Days::new(400),
    );
    assert!(report(&app, &admin, "sales", &sales).await.stored);

    // The owner sets it; it is stored in cents and answered.
    let set = app
        .call(
            &n1,
            "set_potential",
            &[("customer_id", &own_s), ("potential", "120000")],
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let answered: Option<i64> = set.json().await.unwrap();
    assert_eq!(answered, Some(12_000_000));
    assert_eq!(potential_of(&app, own).await, Some(12_000_000));
    let set = app
        .call(
            &n1,
            "set_potential",
            &[("customer_id", &small_s), ("potential", "5000")],
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);

    // The list shows the share reached and sorts by what is untapped, largest first;
    // customers without a potential come last and show none.
    let list: CustomerList = app
        .call(&n1, "customers", &[("sort", "untapped"), ("desc", "1")])
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = list.customers.iter().map(|c| c.id).collect();
    assert_eq!(&ids[..2], &[own, small], "{ids:?}");
    let first = &list.customers[0];
    assert_eq!(first.potential_minor, Some(12_000_000));
    assert_eq!(first.last_12_months_minor, Some(4_560_000));
    assert_eq!(
        first.potential_reached_pct(),
        Some(rust_decimal::Decimal::from(38))
    );
    assert_eq!(first.untapped_minor(), Some(7_440_000));
    assert_eq!(
        list.customers[1].potential_reached_pct(),
        Some(rust_decimal::Decimal::ZERO)
    );
    let third = &list.customers[2];
    assert_eq!(
        (third.potential_minor, third.potential_reached_pct()),
        (None, None)
    );
    // The customer page shows it too.
    let detail: CustomerDetail = app
        .call(&n1, "customer", &[("id", &own_s)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail.customer.potential_minor, Some(12_000_000));

    // A rep of another team cannot see the customer, so cannot change it.
    let hidden = app
        .call(
            &s1,
            "set_potential",
            &[("customer_id", &own_s), ("potential", "1")],
        )
        .await;
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    assert_eq!(potential_of(&app, own).await, Some(12_000_000));

    // Text that is no amount is refused on its field, and nothing is written.
    for bad in ["lots", "-5", "12.345"] {
        let refused = app
            .call(
                &n1,
                "set_potential",
                &[("customer_id", &own_s), ("potential", bad)],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        let error = app_error(refused).await;
        assert_eq!(error.field(), Some("potential"), "{bad}");
        assert!(error.to_string().contains("potential"), "{error}");
    }
    assert_eq!(potential_of(&app, own).await, Some(12_000_000));

    // The manager of the rep's unit may change it; empty clears it.
    let north = signed_in(&app, MANAGER_NORTH).await;
    let cleared = app
        .call(
            &north,
            "set_potential",
            &[("customer_id", &own_s), ("potential", " ")],
        )
        .await;
    assert_eq!(cleared.status(), StatusCode::OK);
    let answered: Option<i64> = cleared.json().await.unwrap();
    assert_eq!(answered, None);
    assert_eq!(potential_of(&app, own).await, None);
}
