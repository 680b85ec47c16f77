/* The field survey page: households to visit, the questionnaire drawn from its JSON schema, photos,
   the suspected problems proposed from the answers (confirmed or dropped by the enumerator) and
   those added by hand, and the outbox (待发送 / 已发送 / 被拒绝). Works offline once opened online
   (sw.js). */
"use strict";

(function () {
  const O = window.FieldOutbox;
  const USER = document.body.dataset.user;
  const SYNC_EVERY_MS = 30000;
  const $ = (id) => document.getElementById(id);

  let boot = null;      // bootstrap.json: questionnaire, campaigns, households
  let current = null;   // the questionnaire open in the form (a draft)
  let problemsOf = null; // the questionnaire whose suspected problems are shown
  let saveTimer = null;

  /** An element with attributes and children (strings become text: nothing is parsed as HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function when(iso) {
    if (!iso) return "";
    const d = new Date(iso);
    const pad = (n) => String(n).padStart(2, "0");
    return `${d.getMonth() + 1}月${d.getDate()}日 ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function notice(text) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  // --- the data ----------------------------------------------------------------------------

  async function loadBootstrap() {
    let response;
    try {
      response = await fetch(document.body.dataset.bootstrap, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      });
    } catch (e) {
      notice("离线，且本机还没有调查任务数据：请先联网打开一次本页。已填写的问卷仍在本机。");
      return null;
    }
    if (response.status === 401) {
      notice("登录已过期，请联网后重新登录。本机问卷会保留，登录后继续发送。");
      return null;
    }
    if (!response.ok) {
      notice(`调查任务数据加载失败（HTTP ${response.status}）`);
      return null;
    }
    const data = await response.json();
    if (data.username !== USER) {
      // A cached copy from another account: never show it.
      notice("本机缓存的调查任务属于其他账号，请联网后刷新本页。");
      return null;
    }
    if (data.message) notice(data.message);
    return data;
  }

  function households() {
    const out = new Map();
    for (const campaign of (boot && boot.campaigns) || []) {
      for (const h of campaign.households) out.set(`${campaign.id}/${h.household_no}`, { campaign, h });
    }
    return out;
  }

  // --- the household list ------------------------------------------------------------------

  /** The list is built apart and put in place at once: emptied first and filled after the
   * device's store answered, a tap in between fell on nothing and was lost. */
  async function renderCampaigns() {
    const box = $("campaigns");
    if (!boot) {
      box.replaceChildren();
      return;
    }
    if (!boot.campaigns.length) {
      box.replaceChildren(el("p", { class: "note" }, "目前没有分派给您的调查户。"));
      return;
    }
    const mine = await O.submissionsOf(USER);
    const sections = [];
    for (const campaign of boot.campaigns) {
      const list = el("ul", { class: "households" });
      for (const h of campaign.households) {
        const done = mine.filter((s) => s.campaign === campaign.id && s.household_no === h.household_no);
        const latest = done.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)))[0];
        list.append(el("li", {},
          el("button", {
            type: "button", class: "household",
            dataset: { householdNo: h.household_no, campaign: String(campaign.id) },
            onclick: () => openForm(campaign, h),
          },
          el("span", { class: "head" }, h.head || "（户主未登记）"),
          el("span", { class: "village" }, h.village),
          el("span", { class: "id" }, h.masked_id ? `身份证 ${h.masked_id}` : ""),
          el("span", { class: "no" }, `户编号 ${h.household_no}`),
          latest ? el("span", { class: `badge state-${latest.state}` }, O.STATE_LABELS[latest.state]) : null)));
      }
      const cadres = (campaign.cadre_survey || []).map((c) => el("a", { href: c.url, class: "cadre-survey" },
        `${c.county}干部群众满意度调查`));
      sections.push(el("section", { class: "campaign" },
        el("h2", {}, campaign.name, el("small", {}, ` · ${campaign.status_label}`)),
        cadres.length ? el("p", { class: "note" }, ...cadres) : null, list));
    }
    box.replaceChildren(...sections);
  }

  async function renderOutbox() {
    const items = (await O.submissionsOf(USER))
      .sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
    const photos = await O.photosOf(USER);
    const problems = await O.problemsOf(USER);
    const counts = { waiting: 0, sent: 0, refused: 0, draft: 0 };
    const list = $("outbox");
    list.replaceChildren();
    for (const item of items) {
      counts[item.state] = (counts[item.state] || 0) + 1;
      const own = photos.filter((p) => p.client_id === item.client_id);
      const photoStates = ["waiting", "sent", "refused"]
        .map((s) => [s, own.filter((p) => p.state === s).length])
        .filter(([, n]) => n)
        .map(([s, n]) => `${O.STATE_LABELS[s]} ${n}`);
      const lines = [];
      if (item.state === "draft") lines.push(`草稿，${when(item.updated_at)} 保存`);
      if (item.state === "waiting") lines.push(`${when(item.saved_at)} 保存，等待联网发送`);
      if (item.state === "sent") {
        lines.push(`${when(item.sent_at)} 已送达，服务器编号 ${item.server_id}`
          + (item.already_stored ? "（服务器此前已收到，未重复保存）" : ""));
      }
      if (item.state === "refused") lines.push(`${when(item.refused_at)} 被拒绝`);
      const refusedPhotos = own.filter((p) => p.state === "refused" && p.reason);
      const raised = problems.filter((p) => p.submission === item.client_id);
      const problemStates = ["waiting", "sent", "refused"]
        .map((s) => [s, raised.filter((p) => p.state === s).length])
        .filter(([, n]) => n)
        .map(([s, n]) => `${O.STATE_LABELS[s]} ${n}`);
      list.append(el("li", { class: `item state-${item.state}`, dataset: { clientId: item.client_id, state: item.state } },
        el("div", { class: "line" },
          el("span", { class: `badge state-${item.state}` }, O.STATE_LABELS[item.state]),
          el("b", {}, item.head || item.household_no), ` ${item.village || ""}`),
        el("div", { class: "note" }, `${item.campaign_name || ""} · 编号 ${item.client_id.slice(0, 8)}`),
        lines.map((l) => el("div", { class: "note" }, l)),
        item.state === "refused" ? el("div", { class: "reason" }, `原因：${item.reason}`) : null,
        item.state === "waiting" && item.last_error ? el("div", { class: "note" }, item.last_error) : null,
        own.length ? el("div", { class: "note" }, `照片 ${own.length} 张${photoStates.length ? "：" + photoStates.join("，") : ""}`) : null,
        refusedPhotos.map((p) => el("div", { class: "reason" }, `照片未保存：${p.reason}`)),
        raised.length ? el("div", { class: "note problems-note" }, `疑点 ${raised.length} 条：${problemStates.join("，")}`) : null,
        raised.filter((p) => p.state === "refused").map((p) =>
          el("div", { class: "reason" }, `疑点“${p.kind_label}”未保存：${p.reason}`)),
        item.state === "waiting" || item.state === "sent" ? el("div", { class: "actions" },
          el("button", { type: "button", class: "open-problems", onclick: () => openProblems(item.client_id) },
            "疑点问题")) : null,
        item.state === "draft" ? el("div", { class: "actions" },
          el("button", { type: "button", onclick: () => resume(item.client_id) }, "继续填写"),
          el("button", { type: "button", class: "danger", onclick: () => discard(item.client_id) }, "删除草稿")) : null,
        item.state === "refused" ? el("div", { class: "actions" },
          el("button", { type: "button", onclick: () => copyAsNew(item.client_id) }, "复制为新问卷修改")) : null));
    }
    if (!items.length) list.append(el("li", { class: "note" }, "本机还没有问卷。"));
    $("n-waiting").textContent = counts.waiting;
    $("n-sent").textContent = counts.sent;
    $("n-refused").textContent = counts.refused;
  }

  async function renderAll() {
    await renderCampaigns();
    await renderOutbox();
  }

  // --- the form ----------------------------------------------------------------------------

  /** The questionnaire version the item is filled in under (its campaign's, kept in the draft). */
  function questionnaireOf(item) {
    const all = boot.questionnaires || {};
    return all[String(item.questionnaire_version)] || boot.questionnaire;
  }

  function sectionsOf(item) {
    const codes = new Set(item.sections);
    return questionnaireOf(item).sections.filter((s) => codes.has(s.code));
  }

  /** Whether a question applies now: one with required_if (不满意的原因) only after that answer. */
  function conditionMet(q, answers) {
    const rule = q.required_if;
    return !rule || answers[rule.question] === rule.equals;
  }

  function isRequired(q, answers) {
    return q.required_if ? conditionMet(q, answers) : q.required;
  }

  /** Show each conditional question only while its condition holds (read from the form). */
  function applyConditions() {
    if (!current) return;
    const answers = readAnswers(true);
    for (const q of questionsOf(current)) {
      if (!q.required_if) continue;
      const box = $("survey").querySelector(`.q[data-code="${q.code}"]`);
      if (box) box.hidden = !conditionMet(q, answers);
    }
  }

  function questionsOf(item) {
    return sectionsOf(item).flatMap((s) => s.questions);
  }

  function field(q, value) {
    const name = `q_${q.code}`;
    const id = `f_${q.code}`;
    if (q.type === "bool") {
      return el("div", { class: "choices two", role: "radiogroup" },
        [[true, "是"], [false, "否"]].map(([v, label]) => el("label", { class: "choice" },
          el("input", { type: "radio", name, value: String(v), checked: value === v }), label)));
    }
    if (q.type === "choice") {
      return el("div", { class: "choices", role: "radiogroup" },
        q.choices.map((c) => el("label", { class: "choice" },
          el("input", { type: "radio", name, value: c.code, checked: value === c.code }), c.label)));
    }
    if (q.type === "text") {
      const area = el("textarea", { id, name, rows: "3" });
      area.value = value || "";
      return area;
    }
    const input = el("input", {
      id, name, type: "number",
      inputmode: q.type === "int" ? "numeric" : "decimal",
      step: q.type === "int" ? "1" : "any",
      min: q.type === "int" ? "0" : null,
    });
    if (value !== undefined && value !== null) input.value = String(value);
    return input;
  }

  function photoInput(question) {
    return el("label", { class: "photo-button" },
      question ? "拍照取证" : "拍照 / 选择照片",
      el("input", {
        type: "file", accept: "image/*", capture: "environment", multiple: true,
        dataset: { question: question || "" },
        onchange: (event) => addPhotos(event.target),
      }));
  }

  async function renderForm() {
    const form = $("survey");
    form.replaceChildren();
    for (const section of sectionsOf(current)) {
      const set = el("fieldset", { dataset: { section: section.code } }, el("legend", {}, section.title));
      for (const q of section.questions) {
        const mark = q.required || q.required_if ? el("span", { class: "req" }, " *") : null;
        const label = q.type === "bool" || q.type === "choice"
          ? el("div", { class: "label" }, q.text, mark)
          : el("label", { class: "label", for: `f_${q.code}` }, q.text, mark);
        set.append(el("div", {
          class: "q", dataset: { code: q.code, type: q.type },
          hidden: !conditionMet(q, current.answers),
        },
          label, field(q, current.answers[q.code]),
          q.evidence ? photoInput(q.code) : null,
          q.evidence ? el("div", { class: "thumbs", dataset: { thumbs: q.code } }) : null));
      }
      form.append(set);
    }
    form.append(el("fieldset", { dataset: { section: "photos" } }, el("legend", {}, "其他照片"),
      photoInput(""), el("div", { class: "thumbs", dataset: { thumbs: "" } })));
    await renderThumbs();
  }

  async function renderThumbs() {
    const photos = (await O.photosOf(USER)).filter((p) => p.client_id === current.client_id);
    for (const box of document.querySelectorAll("[data-thumbs]")) {
      box.querySelectorAll("img").forEach((img) => URL.revokeObjectURL(img.src));
      box.replaceChildren(...photos.filter((p) => (p.question || "") === box.dataset.thumbs).map((p) =>
        el("figure", { class: "thumb" },
          el("img", { src: URL.createObjectURL(p.blob), alt: p.name }),
          el("button", { type: "button", class: "danger", onclick: () => removePhoto(p.id) }, "删除"))));
    }
  }

  /** The form's answers; a conditional question whose condition does not hold is left out
      (unless `all`, used to evaluate the conditions themselves). */
  function readAnswers(all) {
    const form = $("survey");
    const answers = {};
    for (const q of questionsOf(current)) {
      const name = `q_${q.code}`;
      if (q.type === "bool" || q.type === "choice") {
        const picked = form.querySelector(`input[name="${name}"]:checked`);
        if (!picked) continue;
        answers[q.code] = q.type === "bool" ? picked.value === "true" : picked.value;
      } else if (q.type === "text") {
        const text = form.elements[name].value.trim();
        if (text) answers[q.code] = text;
      } else {
        const raw = form.elements[name].value.trim();
        if (raw === "") continue;
        const number = Number(raw);
        answers[q.code] = Number.isFinite(number) ? number : raw;
      }
    }
    if (!all) {
      for (const q of questionsOf(current)) {
        if (!conditionMet(q, answers)) delete answers[q.code];
      }
    }
    return answers;
  }

  function missingMessage(q) {
    const rule = q.required_if;
    if (!rule) return `未回答：${q.text}`;
    const asked = questionsOf(current).find((x) => x.code === rule.question);
    const chosen = asked && (asked.choices || []).find((c) => c.code === rule.equals);
    return `“${asked ? asked.text : rule.question}”选择“${chosen ? chosen.label : rule.equals}”，须填写${q.text}`;
  }

  function errorsOf(answers) {
    const errors = [];
    for (const q of questionsOf(current)) {
      const value = answers[q.code];
      if (value === undefined) {
        if (isRequired(q, answers)) errors.push(missingMessage(q));
      } else if (q.type === "int" && !(Number.isInteger(value) && value >= 0)) {
        errors.push(`须为不小于 0 的整数：${q.text}`);
      } else if (q.type === "number" && typeof value !== "number") {
        errors.push(`须为数字：${q.text}`);
      }
    }
    return errors;
  }

  function locate() {
    if (!navigator.geolocation) return;
    const id = current.client_id;
    navigator.geolocation.getCurrentPosition(async (pos) => {
      const item = await O.get(O.SUBMISSIONS, id);
      if (!item || item.state !== "draft") return;
      item.gps = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy };
      await O.put(O.SUBMISSIONS, item);
      if (current && current.client_id === id) current.gps = item.gps;
    }, () => { /* no position: the questionnaire goes without one */ },
    { enableHighAccuracy: true, timeout: 20000, maximumAge: 300000 });
  }

  async function openForm(campaign, h) {
    const drafts = (await O.submissionsOf(USER)).filter((s) => s.state === "draft"
      && s.campaign === campaign.id && s.household_no === h.household_no);
    if (drafts.length) return resume(drafts[0].client_id);
    const now = new Date().toISOString();
    const item = {
      client_id: O.newId(), username: USER, state: "draft",
      campaign: campaign.id, campaign_name: campaign.name,
      household_no: h.household_no, head: h.head, village: h.village,
      questionnaire_version: campaign.questionnaire_version || boot.questionnaire.version,
      sections: h.sections,
      answers: {}, gps: null, started_at: now, created_at: now, updated_at: now,
    };
    await O.put(O.SUBMISSIONS, item);  // saved on the device before anything is typed
    await show(item);
    locate();
  }

  async function resume(clientId) {
    const item = await O.get(O.SUBMISSIONS, clientId);
    if (!item || item.state !== "draft") return;
    if (!boot) {
      notice("调查任务数据未加载，暂不能继续填写；请联网后刷新本页。");
      return;
    }
    await show(item);
    if (!item.gps) locate();
  }

  async function show(item) {
    current = item;
    $("form-title").textContent = `${item.head || item.household_no} · ${item.village || ""}`;
    $("form-meta").textContent = `${item.campaign_name} · 户编号 ${item.household_no} · 问卷编号 ${item.client_id.slice(0, 8)}`;
    $("form-errors").replaceChildren();
    await renderForm();
    $("view-list").hidden = true;
    $("view-form").hidden = false;
    window.scrollTo(0, 0);
  }

  async function backToList() {
    await saveDraft();
    current = null;
    $("view-form").hidden = true;
    $("view-list").hidden = false;
    await renderAll();
  }

  async function saveDraft() {
    if (!current) return;
    clearTimeout(saveTimer);
    const item = await O.get(O.SUBMISSIONS, current.client_id);
    if (!item || item.state !== "draft") return;
    item.answers = readAnswers();
    item.updated_at = new Date().toISOString();
    current = item;
    await O.put(O.SUBMISSIONS, item);
  }

  async function saveFinal() {
    await saveDraft();
    const errors = errorsOf(current.answers);
    const box = $("form-errors");
    box.replaceChildren(...errors.map((e) => el("li", {}, e)));
    if (errors.length) {
      box.prepend(el("li", { class: "head" }, `还有 ${errors.length} 处需要填写或更正：`));
      box.scrollIntoView({ block: "nearest" });
      return;
    }
    const now = new Date().toISOString();
    Object.assign(current, { state: "waiting", finished_at: now, saved_at: now, updated_at: now });
    await O.put(O.SUBMISSIONS, current);
    for (const photo of (await O.photosOf(USER)).filter((p) => p.client_id === current.client_id)) {
      if (photo.state === "draft") await O.put(O.PHOTOS, { ...photo, state: "waiting" });
    }
    const saved = current;
    current = null;
    $("view-form").hidden = true;
    if (proposalsFor(saved).length) {
      await openProblems(saved.client_id);  // the enumerator confirms or drops each
    } else {
      $("view-list").hidden = false;
      await renderAll();
    }
    syncNow();
  }

  // --- suspected problems ------------------------------------------------------------------

  /** Whole yuan without decimals, otherwise two (fupin.policy._text.yuan). */
  function yuan(amount) {
    const rounded = Math.round(amount * 100) / 100;
    return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(2);
  }

  function householdOf(item) {
    return households().get(`${item.campaign}/${item.household_no}`) || null;
  }

  /** The problems the answers propose: the rules of fupin/assessments/services/proposals.py
      (`propose`), from the standard and the household's target in bootstrap.json. */
  function proposalsFor(item) {
    const entry = householdOf(item);
    if (!entry || !entry.campaign.proposals || !entry.h.proposes) return [];
    const std = entry.campaign.proposals;
    const target = entry.h.proposes;
    const answers = item.answers || {};
    const reasons = new Map();
    const add = (kind, text) => {
      if (!reasons.has(kind)) reasons.set(kind, []);
      reasons.get(kind).push(text);
    };
    const income = answers.income_per_capita;
    if (target.income && std.line !== null && typeof income === "number" && income <= std.line) {
      add(target.income, `人均纯收入 ${yuan(income)} 元，不高于${std.line_label}`);
    }
    if (target.guarantees) {
      for (const g of std.guarantees) {
        if (g.code === "housing_ok" && std.unsafe_housing_grades.includes(answers.housing_grade)) {
          add(target.guarantees, `${g.label}未达到（住房安全等级 ${answers.housing_grade} 级，属危房）`);
          continue;
        }
        if (answers[g.code] === false) add(target.guarantees, `${g.label}未达到`);
      }
    }
    return Array.from(reasons, ([kind, why]) => ({
      kind,
      kind_label: std.kinds[kind],
      description: `入户调查发现疑似${std.kinds[kind]}（${target.label}）：${why.join("；")}`,
    }));
  }

  async function openProblems(clientId) {
    const item = await O.get(O.SUBMISSIONS, clientId);
    if (!item) return;
    if (!boot || !householdOf(item)) {
      notice("调查任务数据未加载，暂不能提出疑点；请联网后刷新本页。");
      return;
    }
    problemsOf = item;
    notice("");
    $("problems-title").textContent = `疑点问题 · ${item.head || item.household_no} · ${item.village || ""}`;
    $("problems-meta").textContent = `${item.campaign_name} · 户编号 ${item.household_no} · 问卷编号 ${item.client_id.slice(0, 8)}`;
    const kinds = householdOf(item).campaign.proposals.manual_kinds;
    $("manual-kind").replaceChildren(...kinds.map((k) => el("option", { value: k.code }, k.label)));
    $("manual-note").value = "";
    $("manual-files").value = "";
    $("manual-files-note").textContent = "";
    $("manual-errors").replaceChildren();
    await renderProblems();
    $("view-list").hidden = true;
    $("view-form").hidden = true;
    $("view-problems").hidden = false;
    window.scrollTo(0, 0);
  }

  async function renderProblems() {
    renderProposals();
    await renderRaised();
  }

  function renderProposals() {
    const item = problemsOf;
    const decisions = item.proposal_decisions || {};
    const proposals = proposalsFor(item);
    const list = $("proposals");
    list.replaceChildren();
    for (const proposal of proposals) {
      const decided = decisions[proposal.kind] || "";
      const text = el("textarea", { rows: "3", class: "proposal-text", "aria-label": `${proposal.kind_label}：问题描述` });
      text.value = proposal.description;
      list.append(el("li", { class: `proposal decided-${decided || "none"}`, dataset: { kind: proposal.kind, decided } },
        el("div", { class: "line" }, el("b", {}, `疑似${proposal.kind_label}`)),
        decided === "raised" ? el("div", { class: "note" }, "已确认提出，见下方“本户已提出的疑点”") : text,
        decided === "dropped" ? el("div", { class: "note" }, "已决定不提出") : null,
        decided === "raised" ? null : el("div", { class: "actions" },
          el("button", { type: "button", class: "primary confirm", onclick: () => confirmProposal(proposal, text.value) }, "确认提出"),
          decided === "dropped" ? null
            : el("button", { type: "button", class: "drop", onclick: () => dropProposal(proposal) }, "不提出"))));
    }
    if (!proposals.length) list.append(el("li", { class: "note" }, "根据问卷答案，没有提示的疑点。"));
  }

  /** The household's problems on this device with their sending state (re-drawn after a send). */
  async function renderRaised() {
    const raised = (await O.problemsOf(USER)).filter((p) => p.submission === problemsOf.client_id)
      .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)));
    const files = await O.problemFilesOf(USER);
    const box = $("raised");
    box.replaceChildren();
    for (const p of raised) {
      const own = files.filter((f) => f.problem === p.client_id);
      const lines = [];
      if (p.state === "waiting") lines.push(`${when(p.created_at)} 提出，等待联网发送`);
      if (p.state === "sent") {
        lines.push(`${when(p.sent_at)} 已送达，服务器编号 ${p.server_id}`
          + (p.already_stored ? "（服务器此前已收到，未重复保存）" : ""));
      }
      box.append(el("li", { class: `item problem state-${p.state}`, dataset: { clientId: p.client_id, state: p.state, kind: p.kind } },
        el("div", { class: "line" },
          el("span", { class: `badge state-${p.state}` }, O.STATE_LABELS[p.state]),
          el("b", {}, p.kind_label), p.proposed ? "（系统提示）" : "（手工添加）"),
        el("div", { class: "description" }, p.description),
        lines.map((l) => el("div", { class: "note" }, l)),
        own.length ? el("div", { class: "note" }, `照片/录音 ${own.length} 个：`
          + own.map((f) => O.STATE_LABELS[f.state]).join("，")) : null,
        p.state === "refused" ? el("div", { class: "reason" }, `原因：${p.reason}`) : null,
        own.filter((f) => f.state === "refused").map((f) => el("div", { class: "reason" }, `文件未保存：${f.reason}`)),
        p.state === "waiting" ? el("div", { class: "actions" },
          el("button", { type: "button", class: "danger", onclick: () => withdrawProblem(p.client_id) }, "撤回")) : null));
    }
    if (!raised.length) box.append(el("li", { class: "note" }, "本户还没有提出疑点。"));
  }

  async function decide(kind, decision) {
    const item = await O.get(O.SUBMISSIONS, problemsOf.client_id);
    item.proposal_decisions = { ...(item.proposal_decisions || {}), [kind]: decision };
    await O.put(O.SUBMISSIONS, item);
    problemsOf = item;
  }

  async function newProblem(kind, kindLabel, description, proposed) {
    const item = problemsOf;
    const problem = {
      client_id: O.newId(), username: USER, submission: item.client_id,
      campaign: item.campaign, household_no: item.household_no,
      kind, kind_label: kindLabel, description, proposed,
      state: "waiting", created_at: new Date().toISOString(),
    };
    await O.put(O.PROBLEMS, problem);
    return problem;
  }

  async function confirmProposal(proposal, text) {
    const description = text.trim();
    if (!description) {
      $("manual-errors").replaceChildren(el("li", {}, `请填写“${proposal.kind_label}”的问题描述`));
      return;
    }
    await newProblem(proposal.kind, proposal.kind_label, description, true);
    await decide(proposal.kind, "raised");
    await renderProblems();
  }

  async function dropProposal(proposal) {
    await decide(proposal.kind, "dropped");
    await renderProblems();
  }

  async function addManualProblem() {
    const kind = $("manual-kind").value;
    const option = $("manual-kind").selectedOptions[0];
    const note = $("manual-note").value.trim();
    const errors = $("manual-errors");
    if (!note) {
      errors.replaceChildren(el("li", {}, "请填写情况说明"));
      return;
    }
    const chosen = Array.from($("manual-files").files || []);
    const wrong = chosen.filter((f) => !/^(image|audio)\//.test(f.type || ""));
    if (wrong.length) {
      errors.replaceChildren(el("li", {}, `只能附照片或录音：${wrong.map((f) => f.name).join("，")}`));
      return;
    }
    errors.replaceChildren();
    const problem = await newProblem(kind, option ? option.textContent : kind, note, false);
    const seen = new Set();
    for (const file of chosen) {
      const sha256 = await O.sha256Hex(file);
      if (seen.has(sha256)) continue;  // the same file twice is kept once
      seen.add(sha256);
      const type = file.type;
      const ext = (type.split("/")[1] || "bin").replace("jpeg", "jpg").split(";")[0];
      await O.put(O.PROBLEM_FILES, {
        id: O.newId(), problem: problem.client_id, username: USER,
        name: `problem-${sha256.slice(0, 8)}.${ext}`, blob: new Blob([file], { type }),
        sha256, size: file.size, taken_at: new Date(file.lastModified || Date.now()).toISOString(),
        gps: problemsOf.gps || null, state: "waiting",
      });
    }
    $("manual-note").value = "";
    $("manual-files").value = "";
    $("manual-files-note").textContent = "";
    await renderProblems();
  }

  async function withdrawProblem(clientId) {
    const problem = await O.get(O.PROBLEMS, clientId);
    if (!problem || problem.state !== "waiting") return;
    if (!window.confirm(`撤回疑点“${problem.kind_label}”？撤回后不会发送，其照片和录音一并删除。`)) return;
    for (const file of (await O.problemFilesOf(USER)).filter((f) => f.problem === clientId)) {
      await O.remove(O.PROBLEM_FILES, file.id);
    }
    await O.remove(O.PROBLEMS, clientId);
    if (problem.proposed) await decide(problem.kind, "");
    await renderProblems();
  }

  async function closeProblems() {
    problemsOf = null;
    $("view-problems").hidden = true;
    $("view-list").hidden = false;
    await renderAll();
    syncNow();
  }

  async function discard(clientId) {
    const item = await O.get(O.SUBMISSIONS, clientId);
    if (!item || item.state !== "draft" || !window.confirm("删除这份草稿及其照片？")) return;
    for (const photo of (await O.photosOf(USER)).filter((p) => p.client_id === clientId)) {
      await O.remove(O.PHOTOS, photo.id);
    }
    await O.remove(O.SUBMISSIONS, clientId);
    await renderAll();
  }

  /** A refused questionnaire cannot be sent again under its id: a copy gets a new one. */
  async function copyAsNew(clientId) {
    const old = await O.get(O.SUBMISSIONS, clientId);
    if (!old || !boot) return;
    const now = new Date().toISOString();
    const item = {
      ...old, client_id: O.newId(), state: "draft", copied_from: old.client_id,
      answers: { ...old.answers }, started_at: now, created_at: now, updated_at: now,
      finished_at: undefined, saved_at: undefined, reason: undefined, refused_at: undefined,
      attempts: 0, last_error: "",
    };
    await O.put(O.SUBMISSIONS, item);
    for (const photo of (await O.photosOf(USER)).filter((p) => p.client_id === clientId)) {
      await O.put(O.PHOTOS, { ...photo, id: O.newId(), client_id: item.client_id, state: "draft", reason: undefined });
    }
    await show(item);
  }

  async function addPhotos(input) {
    if (!current) return;
    const question = input.dataset.question || "";
    const existing = new Set((await O.photosOf(USER))
      .filter((p) => p.client_id === current.client_id).map((p) => p.sha256));
    for (const file of Array.from(input.files || [])) {
      const sha256 = await O.sha256Hex(file);
      if (existing.has(sha256)) continue;  // the same picture twice is kept once
      existing.add(sha256);
      const type = file.type || "image/jpeg";
      const ext = (type.split("/")[1] || "jpg").replace("jpeg", "jpg");
      await O.put(O.PHOTOS, {
        id: O.newId(), client_id: current.client_id, username: USER, question,
        name: `${question || "photo"}-${sha256.slice(0, 8)}.${ext}`,
        blob: new Blob([file], { type }), sha256, size: file.size,
        taken_at: new Date(file.lastModified || Date.now()).toISOString(),
        gps: current.gps || null, state: "draft",
      });
    }
    input.value = "";
    await renderThumbs();
  }

  async function removePhoto(id) {
    const photo = await O.get(O.PHOTOS, id);
    if (photo && photo.state === "draft") await O.remove(O.PHOTOS, id);
    await renderThumbs();
  }

  // --- sending -----------------------------------------------------------------------------

  async function syncNow() {
    const note = $("sync-note");
    const button = $("send-now");
    button.disabled = true;
    note.textContent = "正在发送…";
    try {
      const report = await O.syncAll(USER);
      const parts = [];
      if (report.sent) parts.push(`送达 ${report.sent} 份`);
      if (report.refused) parts.push(`被拒绝 ${report.refused} 份`);
      if (report.photos) parts.push(`照片 ${report.photos} 张`);
      if (report.problems) parts.push(`疑点 ${report.problems} 条`);
      if (report.refused_problems) parts.push(`疑点被拒绝 ${report.refused_problems} 条`);
      if (report.problem_files) parts.push(`疑点照片/录音 ${report.problem_files} 个`);
      note.textContent = report.stopped || (parts.length ? `本次${parts.join("，")}` : "");
      if (report.auth) {
        note.append(el("a", { href: `/accounts/login/?next=${encodeURIComponent("/field/")}` }, "重新登录"));
      }
    } catch (e) {
      note.textContent = `发送出错：${e.message || e}`;
    } finally {
      button.disabled = false;
    }
    if (problemsOf) await renderRaised();
    if (!current && !problemsOf) await renderAll();
    else await renderOutbox();
  }

  function showNetwork() {
    const net = $("net");
    net.textContent = navigator.onLine ? "在线" : "离线";
    net.className = navigator.onLine ? "net online" : "net offline";
  }

  async function logout() {
    const waiting = (await O.submissionsOf(USER)).filter((s) => s.state === "waiting").length;
    if (waiting && !window.confirm(`还有 ${waiting} 份问卷待发送。它们会留在本机，下次以本账号登录后发送。确定退出？`)) return;
    // Cached pages and task lists are this user's: drop them before the next person logs in.
    if (window.caches) {
      const keys = await caches.keys();
      await Promise.all(keys.filter((k) => k.startsWith("fupin-field-")).map((k) => caches.delete(k)));
    }
    const form = el("form", { method: "post", action: "/accounts/logout/" },
      el("input", { type: "hidden", name: "csrfmiddlewaretoken", value: O.cookie("csrftoken") }));
    document.body.append(form);
    form.submit();
  }

  // --- start -------------------------------------------------------------------------------

  async function start() {
    $("send-now").addEventListener("click", syncNow);
    $("back").addEventListener("click", backToList);
    $("save-draft").addEventListener("click", async () => {
      await saveDraft();
      $("form-errors").replaceChildren(el("li", { class: "ok" }, "草稿已保存在本机"));
    });
    $("save-final").addEventListener("click", saveFinal);
    $("problems-back").addEventListener("click", closeProblems);
    $("problems-done").addEventListener("click", closeProblems);
    $("manual-add").addEventListener("click", addManualProblem);
    $("manual-problem").addEventListener("submit", (e) => e.preventDefault());
    $("manual-files").addEventListener("change", (event) => {
      const names = Array.from(event.target.files || [], (f) => f.name);
      $("manual-files-note").textContent = names.length ? `已选 ${names.length} 个：${names.join("，")}` : "";
    });
    $("logout").addEventListener("click", logout);
    $("survey").addEventListener("change", applyConditions);
    $("survey").addEventListener("input", () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(saveDraft, 400);
    });
    $("survey").addEventListener("submit", (e) => e.preventDefault());
    window.addEventListener("online", () => { showNetwork(); syncNow(); });
    window.addEventListener("offline", showNetwork);
    showNetwork();

    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(document.body.dataset.sw, { scope: "/field/" })
        .catch((e) => { $("sync-note").textContent = `离线功能未能启用：${e.message || e}`; });
    }
    boot = await loadBootstrap();
    await renderAll();
    if (boot) document.body.dataset.generatedAt = boot.generated_at;
    document.body.dataset.ready = "true";
    await syncNow();
    setInterval(syncNow, SYNC_EVERY_MS);
  }

  start();
})();
