//! Nothing acknowledged is lost: the release server under write load (moves, check-ins,
//! imports) is killed with SIGKILL, started again on the same database, and every write it
//! had answered is there, every history in step with its record. (A process kill leaves the
//! operating system's page cache intact: this proves commits are atomic and acknowledged only
//! once committed; surviving power loss is `synchronous=FULL`'s part, see BENCHMARKS.md.)

use crate::both_backends;
use crate::helpers::*;
use app::db::{sql, Db};
use reqwest::StatusCode;
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;

both_backends!(every_acknowledged_write_survives_a_kill);

/// What the server answered as done, as the clients saw it.
#[derive(Default)]
struct Acknowledged {
    /// (opportunity, version it was left at)
    moves: Vec<(i64, i64)>,
    check_ins: Vec<String>,
    imports: Vec<String>,
}

async fn every_acknowledged_write_survives_a_kill(backend: Backend) {
    let (url, _dir) = fresh_database(backend).await;
    let server = ServerProcess::on(&url).await;
    let db = Db::connect(&url).await.unwrap();
    let fx = Fixture::load(&db).await;
    let address = server.address.clone();
    let rep = signed_in_at(&address, REP_N1).await;
    let admin = signed_in_at(&address, ADMIN).await;
    let acked = Arc::new(Mutex::new(Acknowledged::default()));

    // Moves: each of the rep's cards goes back and forth as fast as answered.
    let mut load = Vec::new();
    for n in 0..2 {
        let (address, rep, acked) = (address.clone(), rep.clone(), acked.clone());
        let deal = fx.opportunity_id(REP_N1_INDEX, n);
        let stages = [fx.stage_id(LEAD), fx.stage_id(NEGOTIATION)];
        load.push(tokio::spawn(async move {
            let mut version = 3;
            loop {
                let to = stages[usize::try_from(version % 2).unwrap()];
                let Ok(response) = rep
                    .post(format!("{address}/api/move_opportunity"))
                    .form(&[
                        ("id", deal.to_string()),
                        ("version", version.to_string()),
                        ("stage_id", to.to_string()),
                    ])
                    .send()
                    .await
                else {
                    return;
                };
                if response.status() != StatusCode::OK {
                    return;
                }
                version += 1;
                acked.lock().unwrap().moves.push((deal, version));
            }
        }));
    }
    // Check-ins at the rep's customer, each with its own id.
    {
        let (address, rep, acked) = (address.clone(), rep.clone(), acked.clone());
        let customer = fx.customer_id(REP_N1_INDEX, 0);
        load.push(tokio::spawn(async move {
            for n in 0.. {
                let id = format!("crash-{n:06}");
                let Ok(response) = rep
                    .post(format!("{address}/api/check_in"))
                    .json(&json!({ "input": {
                        "client_id": id,
                        "customer_id": customer,
                        "device_time": chrono::Utc::now(),
                        "position": null,
                        "location_error": "location permission denied",
                    }}))
                    .send()
                    .await
                else {
                    return;
                };
                if response.status() != StatusCode::OK {
                    return;
                }
                acked.lock().unwrap().check_ins.push(id);
            }
        }));
    }
    // Imports: small sales files, each sale with its own reference.
    {
        let (address, admin, acked) = (address.clone(), admin.clone(), acked.clone());
        load.push(tokio::spawn(async move {
            for n in 0.. {
                let mut file = String::from("customer_ref,date,amount,reference\n");
                for i in 0..50 {
                    file.push_str(&format!("Customer-3-1,2026-03-01,{i}.50,CRASH-{n}-{i}\n"));
                }
                let Ok(response) = admin
                    .post(format!("{address}/api/import/sales"))
                    .header("content-type", "text/csv")
                    .body(file)
                    .send()
                    .await
                else {
                    return;
                };
                // The import answers a stream; it is acknowledged once its report says stored.
                let Ok(text) = response.text().await else {
                    return;
                };
                if !text.contains("\"stored\":true") {
                    return;
                }
                acked.lock().unwrap().imports.push(format!("CRASH-{n}-49"));
            }
        }));
    }

    // Kill once every kind of write has been answered a few times (a slow machine waits
    // longer; the deadline only stops a stuck test).
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let enough = {
            let a = acked.lock().unwrap();
            a.moves.len() > 20 && a.check_ins.len() > 10 && a.imports.len() > 1
        };
        if enough || std::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    drop(server); // SIGKILL, mid-load.
    for task in load {
        let _ = task.await;
    }
    let acked = std::mem::take(&mut *acked.lock().unwrap());
    assert!(
        acked.moves.len() > 20 && acked.check_ins.len() > 10 && !acked.imports.is_empty(),
        "the load ran: {} moves, {} check-ins, {} imports",
        acked.moves.len(),
        acked.check_ins.len(),
        acked.imports.len()
    );

    // Started again on the same database: everything answered is there.
    db.close().await;
    let _again = ServerProcess::on(&url).await;
    let db = Db::connect(&url).await.unwrap();
    for (deal, version) in &acked.moves {
        let (stored,): (i64,) = sql("SELECT version FROM opportunities WHERE id = $1")
            .bind(*deal)
            .fetch_one(&db)
            .await
            .unwrap();
        assert!(
            stored >= *version,
            "opportunity {deal}: acknowledged v{version}, stored v{stored}"
        );
    }
    let in_step: Vec<(i64, i64, i64, Option<i64>)> = sql(
        "SELECT o.id, o.version, (SELECT COUNT(*) FROM stage_changes c WHERE c.opportunity_id = o.id), \
         (SELECT c.to_stage_id FROM stage_changes c WHERE c.opportunity_id = o.id \
          ORDER BY c.id DESC LIMIT 1) FROM opportunities o",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    for (id, version, history, last) in in_step {
        let (stage,): (i64,) = sql("SELECT stage_id FROM opportunities WHERE id = $1")
            .bind(id)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(
            history, version,
            "opportunity {id}: one history row per version"
        );
        assert_eq!(
            last,
            Some(stage),
            "opportunity {id}: its history ends where it stands"
        );
    }
    for id in &acked.check_ins {
        let (n,): (i64,) = sql(
            "SELECT COUNT(*) FROM check_ins ci JOIN activities a ON a.id = ci.activity_id \
             WHERE ci.client_id = $1 AND ci.user_id = $2",
        )
        .bind(id)
        .bind(fx.ids.users[REP_N1_INDEX])
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(n, 1, "check-in {id} and its visit");
    }
    for reference in &acked.imports {
        let (n,): (i64,) = sql("SELECT COUNT(*) FROM sales WHERE reference = $1")
            .bind(reference)
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(n, 1, "the import holding {reference}");
    }
}
