/* The device's outbox of the field survey: questionnaires, photos, suspected problems and their
   photos and recordings kept in IndexedDB until the server has them, and the loop that sends them
   (each exactly once: the server answers a retry of the same client id, or the same file
   checksum, with what it already stored). */
"use strict";

(function () {
  const DB_NAME = "fupin-field";
  const DB_VERSION = 2;
  const SUBMISSIONS = "submissions";
  const PHOTOS = "photos";
  const PROBLEMS = "problems";
  const PROBLEM_FILES = "problem_files";

  const STATE_LABELS = {
    draft: "草稿",
    waiting: "待发送",
    sent: "已发送",
    refused: "被拒绝",
  };

  let dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = new Promise((resolve, reject) => {
        const req = indexedDB.open(DB_NAME, DB_VERSION);
        req.onupgradeneeded = () => {
          // From version 0 (a new device) or 1 (questionnaires and photos only): add what is missing.
          const db = req.result;
          const has = (name) => db.objectStoreNames.contains(name);
          if (!has(SUBMISSIONS)) {
            const subs = db.createObjectStore(SUBMISSIONS, { keyPath: "client_id" });
            subs.createIndex("username", "username");
          }
          if (!has(PHOTOS)) {
            const photos = db.createObjectStore(PHOTOS, { keyPath: "id" });
            photos.createIndex("client_id", "client_id");
          }
          if (!has(PROBLEMS)) {
            const problems = db.createObjectStore(PROBLEMS, { keyPath: "client_id" });
            problems.createIndex("submission", "submission");
          }
          if (!has(PROBLEM_FILES)) {
            const files = db.createObjectStore(PROBLEM_FILES, { keyPath: "id" });
            files.createIndex("problem", "problem");
          }
        };
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    return dbPromise;
  }

  async function request(store, mode, makeRequest) {
    const db = await openDb();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(store, mode);
      let result;
      const req = makeRequest(tx.objectStore(store));
      req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error("IndexedDB transaction aborted"));
    });
  }

  const all = (store) => request(store, "readonly", (s) => s.getAll());
  const get = (store, key) => request(store, "readonly", (s) => s.get(key));
  const put = (store, value) => request(store, "readwrite", (s) => s.put(value));
  const remove = (store, key) => request(store, "readwrite", (s) => s.delete(key));

  async function submissionsOf(username) {
    return (await all(SUBMISSIONS)).filter((s) => s.username === username);
  }

  async function photosOf(username) {
    return (await all(PHOTOS)).filter((p) => p.username === username);
  }

  async function problemsOf(username) {
    return (await all(PROBLEMS)).filter((p) => p.username === username);
  }

  async function problemFilesOf(username) {
    return (await all(PROBLEM_FILES)).filter((f) => f.username === username);
  }

  function newId() {
    if (crypto.randomUUID) return crypto.randomUUID();
    // Without a secure context randomUUID is missing; getRandomValues is always there.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, "0")).join("");
  }

  function cookie(name) {
    for (const part of document.cookie.split(";")) {
      const [key, ...rest] = part.trim().split("=");
      if (key === name) return decodeURIComponent(rest.join("="));
    }
    return "";
  }

  // --- sending -----------------------------------------------------------------------------

  function submissionBody(item) {
    // Exactly what was saved: a retry must carry the same content to be answered as a retry.
    return {
      campaign: item.campaign,
      client_id: item.client_id,
      household_no: item.household_no,
      questionnaire_version: item.questionnaire_version,
      answers: item.answers,
      started_at: item.started_at,
      finished_at: item.finished_at,
      gps: item.gps || null,
    };
  }

  /** What the server said, as one of: sent, refused, auth (log in again), retry (later). */
  async function outcome(response) {
    let data = null;
    if ((response.headers.get("Content-Type") || "").includes("application/json")) {
      try { data = await response.json(); } catch (e) { data = null; }
    }
    const status = response.status;
    if ((status === 200 || status === 201) && data && data.id !== undefined) {
      return { kind: "sent", data };
    }
    if (status === 401) {
      return { kind: "auth", message: (data && data.error) || "登录已过期，请重新登录" };
    }
    if ([400, 403, 404, 409, 413].includes(status) && data && data.error) {
      return { kind: "refused", message: data.error, status };
    }
    return {
      kind: "retry",
      message: `发送未成功（HTTP ${status}），稍后自动重试；如一直如此，请重新登录`,
    };
  }

  async function send(url, init) {
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        ...init,
        headers: { "X-CSRFToken": cookie("csrftoken"), Accept: "application/json", ...init.headers },
      });
      return await outcome(response);
    } catch (e) {
      return { kind: "retry", message: "网络不可用，联网后自动发送" };
    }
  }

  function postSubmission(item) {
    return send("/field/submissions/", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(submissionBody(item)),
    });
  }

  function fileForm(photo) {
    const form = new FormData();
    form.append("file", photo.blob, photo.name);
    form.append("sha256", photo.sha256);
    if (photo.taken_at) form.append("taken_at", photo.taken_at);
    if (photo.gps) {
      form.append("gps_lat", String(photo.gps.lat));
      form.append("gps_lon", String(photo.gps.lon));
    }
    return form;
  }

  function postPhoto(photo) {
    return send(`/field/submissions/${photo.client_id}/evidence/`, { body: fileForm(photo) });
  }

  function postProblem(problem) {
    // Exactly what was saved, as for a questionnaire.
    return send("/field/problems/", {
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        client_id: problem.client_id,
        campaign: problem.campaign,
        household_no: problem.household_no,
        submission: problem.submission,
        kind: problem.kind,
        description: problem.description,
      }),
    });
  }

  function postProblemFile(file) {
    return send(`/field/problems/${file.problem}/evidence/`, { body: fileForm(file) });
  }

  /** Send the waiting records of one store whose owner has been sent (`ownerOf` says which owner:
      undefined to wait, {state} otherwise); false when sending stopped (offline, logged out). */
  async function sendAfterOwners(store, records, ownerOf, post, refusedOwner, report, counter) {
    for (const record of records) {
      if (record.state !== "waiting") continue;
      const owner = ownerOf(record);
      if (!owner) continue;
      if (owner.state === "refused") {
        Object.assign(record, { state: "refused", reason: refusedOwner });
        await put(store, record);
        continue;
      }
      if (owner.state !== "sent") continue;  // each goes after what it belongs to
      const result = await post(record);
      const now = new Date().toISOString();
      if (result.kind === "sent") {
        Object.assign(record, {
          state: "sent", server_id: result.data.id, sent_at: now,
          already_stored: result.data.created === false, last_error: "",
        });
        report[counter] += 1;
      } else if (result.kind === "refused") {
        Object.assign(record, { state: "refused", reason: result.message, refused_at: now });
        report.refused_problems += counter === "problems" ? 1 : 0;
      } else {
        record.last_error = result.message;
        await put(store, record);
        report.stopped = result.message;
        report.auth = result.kind === "auth";
        return false;
      }
      await put(store, record);
    }
    return true;
  }

  async function syncOnce(username) {
    const report = {
      sent: 0, refused: 0, photos: 0, problems: 0, problem_files: 0, refused_problems: 0,
      stopped: "", auth: false,
    };
    const waiting = (await submissionsOf(username))
      .filter((s) => s.state === "waiting")
      .sort((a, b) => String(a.saved_at).localeCompare(String(b.saved_at)));
    for (const item of waiting) {
      const result = await postSubmission(item);
      // Re-read: only this loop changes a waiting item, but never write over a newer record.
      const fresh = await get(SUBMISSIONS, item.client_id);
      if (!fresh || fresh.state !== "waiting") continue;
      const now = new Date().toISOString();
      fresh.attempts = (fresh.attempts || 0) + 1;
      fresh.last_attempt_at = now;
      if (result.kind === "sent") {
        Object.assign(fresh, {
          state: "sent", server_id: result.data.id, received_at: result.data.received_at,
          sent_at: now, already_stored: !result.data.created, last_error: "",
        });
        report.sent += 1;
      } else if (result.kind === "refused") {
        Object.assign(fresh, { state: "refused", reason: result.message, refused_at: now, last_error: "" });
        report.refused += 1;
      } else {
        fresh.last_error = result.message;
        await put(SUBMISSIONS, fresh);
        report.stopped = result.message;
        report.auth = result.kind === "auth";
        return report;  // offline or logged out: the rest would fail the same way
      }
      await put(SUBMISSIONS, fresh);
    }
    const submissions = new Map((await submissionsOf(username)).map((s) => [s.client_id, s]));
    for (const photo of await photosOf(username)) {
      if (photo.state !== "waiting") continue;
      const owner = submissions.get(photo.client_id);
      if (!owner) continue;
      if (owner.state === "refused") {
        Object.assign(photo, { state: "refused", reason: "所属问卷被拒绝，照片未发送" });
        await put(PHOTOS, photo);
        continue;
      }
      if (owner.state !== "sent") continue;  // photos go after their questionnaire
      const result = await postPhoto(photo);
      if (result.kind === "sent") {
        Object.assign(photo, {
          state: "sent", server_id: result.data.id, sent_at: new Date().toISOString(), last_error: "",
        });
        report.photos += 1;
      } else if (result.kind === "refused") {
        Object.assign(photo, { state: "refused", reason: result.message });
      } else {
        photo.last_error = result.message;
        await put(PHOTOS, photo);
        report.stopped = result.message;
        report.auth = result.kind === "auth";
        return report;
      }
      await put(PHOTOS, photo);
    }
    const sentSubmissions = new Map((await submissionsOf(username)).map((s) => [s.client_id, s]));
    const problems = (await problemsOf(username))
      .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    const goOn = await sendAfterOwners(
      PROBLEMS, problems, (p) => sentSubmissions.get(p.submission), postProblem,
      "所属问卷被拒绝，疑点问题未发送", report, "problems");
    if (!goOn) return report;
    const byId = new Map((await problemsOf(username)).map((p) => [p.client_id, p]));
    await sendAfterOwners(
      PROBLEM_FILES, await problemFilesOf(username), (f) => byId.get(f.problem), postProblemFile,
      "所属疑点问题被拒绝，文件未发送", report, "problem_files");
    return report;
  }

  let running = null;

  /** Send what is waiting; one run at a time (a call during a run gets that run's report). */
  function syncAll(username) {
    if (!running) {
      running = syncOnce(username).finally(() => { running = null; });
    }
    return running;
  }

  window.FieldOutbox = {
    STATE_LABELS, SUBMISSIONS, PHOTOS, PROBLEMS, PROBLEM_FILES,
    openDb, all, get, put, remove, submissionsOf, photosOf, problemsOf, problemFilesOf,
    newId, sha256Hex, cookie, syncAll,
  };
})();
