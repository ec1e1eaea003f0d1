/*!
 * Trợ lý Công vụ — staff chat widget (no build step, no dependencies).
 *
 * Floating launcher + chat panel, one tag:
 *   <script src="https://tro-ly.example/widget.js" data-api="https://tro-ly.example" data-key="…"
 *           data-title="Trợ lý Công vụ" data-accent="#b3261e" data-position="right" defer></script>
 *
 * Inline, inside a page element (load the script with data-launcher="off", or let it detect the
 * inline element: no launcher is added when the page already holds a <tro-ly-cong-vu>):
 *   <tro-ly-cong-vu inline api="https://tro-ly.example" data-height="640px"></tro-ly-cong-vu>
 *
 * Attributes (on the element, plain or data-*; on the script tag, data-*):
 *   api       API base URL (default: the folder widget.js was loaded from)
 *   key       widget key, sent as "Authorization: Bearer <key>"
 *   title     panel title                      accent   colour, #rgb or #rrggbb (darkened to ≥ 4.5:1 on white)
 *   position  right | left                     strings  JSON object overriding the Vietnamese texts below
 *   height    inline mode height (CSS length, default 640px; or set --tlcv-height on the element)
 *
 * Safety: answer and document text are only ever inserted with textContent / text nodes, never
 * as HTML. Styles live in the shadow root (host CSS can neither break the widget nor be broken).
 */
(() => {
  "use strict";

  const TAG = "tro-ly-cong-vu";
  if (window.customElements.get(TAG)) return;

  const SCRIPT = document.currentScript;
  const SCRIPT_SRC = SCRIPT && SCRIPT.src ? SCRIPT.src : "";
  const IN_FORCE = "còn hiệu lực";
  const EXPIRED = "hết hiệu lực";
  const NOT_YET = "chưa có hiệu lực";
  const MAX_QUESTION = 2000;
  const MAX_STORED = 60;
  const TICK_MS = 30;

  const DEFAULT_STRINGS = {
    title: "Trợ lý Công vụ",
    subtitle: "Hỏi đáp văn bản pháp luật, có trích dẫn căn cứ",
    launcher: "Hỏi Trợ lý Công vụ",
    close: "Đóng Trợ lý Công vụ",
    newChat: "Cuộc trò chuyện mới",
    newChatDone: "Đã bắt đầu cuộc trò chuyện mới.",
    logLabel: "Nội dung cuộc trò chuyện",
    welcome:
      "Xin chào anh/chị! Tôi trả lời câu hỏi về văn bản pháp luật và quy định của Thành phố, " +
      "kèm căn cứ Điều, khoản để anh/chị đối chiếu.",
    startersLabel: "Câu hỏi gợi ý",
    starters: [
      "Biểu tượng của Thủ đô là gì?",
      "Điều 7 Luật Thủ đô quy định gì?",
      "Thời hạn xử lý kỷ luật công chức?",
    ],
    inputLabel: "Câu hỏi của anh/chị",
    placeholder: "Nhập câu hỏi về văn bản, quy định…",
    inputHint: "Nhấn Enter để gửi, Shift+Enter để xuống dòng.",
    send: "Gửi câu hỏi",
    stop: "Dừng trả lời",
    you: "Anh/chị hỏi:",
    bot: "Trợ lý trả lời:",
    searching: "Đang tìm căn cứ…",
    composing: "Đang soạn câu trả lời…",
    answered: "Đã có câu trả lời.",
    stopped: "Đã dừng trả lời.",
    sourcesHeading: "Căn cứ",
    citeAria: "Căn cứ {n}: {label}. Mở nội dung điều khoản",
    copy: "Sao chép",
    copyAria: "Sao chép câu trả lời kèm căn cứ",
    copied: "Đã sao chép câu trả lời và căn cứ.",
    copyFailed: "Không sao chép được tự động. Anh/chị bôi đen nội dung rồi nhấn Ctrl+C.",
    helpful: "Câu trả lời hữu ích",
    notHelpful: "Câu trả lời chưa đúng hoặc chưa đủ",
    commentLabel: "Điều gì chưa đúng hoặc còn thiếu? (không bắt buộc)",
    commentPlaceholder: "Ví dụ: thiếu căn cứ Nghị định…, trích sai khoản…",
    sendFeedback: "Gửi góp ý",
    cancel: "Hủy",
    feedbackThanks: "Cảm ơn anh/chị đã góp ý.",
    feedbackError: "Chưa gửi được góp ý. {detail}",
    declinedTitle: "Chưa tìm thấy căn cứ phù hợp",
    declinedHint:
      "Gợi ý: nêu rõ tên hoặc số hiệu văn bản, số Điều, hoặc dùng đúng từ ngữ trong văn bản.",
    notesLabel: "Lưu ý",
    retry: "Thử lại",
    retryIn: "Thử lại sau {s} giây",
    errNetwork:
      "Không kết nối được tới máy chủ Trợ lý. Anh/chị kiểm tra kết nối mạng nội bộ rồi bấm «Thử lại».",
    errRate: "Anh/chị đã gửi nhiều câu hỏi trong thời gian ngắn. Vui lòng đợi {wait} rồi bấm «Thử lại».",
    waitSeconds: "khoảng {s} giây",
    waitMinutes: "khoảng {m} phút",
    waitDefault: "một lát",
    errAuth:
      "Tiện ích chưa được cấp quyền truy cập Trợ lý (khóa tiện ích không hợp lệ hoặc đã hết hạn). " +
      "Vui lòng báo bộ phận Công nghệ thông tin của đơn vị.",
    errNotFound:
      "Không tìm thấy dịch vụ Trợ lý tại địa chỉ đã cấu hình. Vui lòng báo bộ phận Công nghệ thông tin của đơn vị.",
    errInvalid: "Câu hỏi chưa hợp lệ. Anh/chị sửa lại câu hỏi rồi gửi lại.",
    errTooLong: "Câu hỏi dài quá 2.000 ký tự. Anh/chị rút gọn câu hỏi rồi gửi lại.",
    errUnavailable:
      "Hệ thống Trợ lý đang khởi động hoặc đang nạp văn bản. Vui lòng thử lại sau ít phút.",
    errServer:
      "Hệ thống Trợ lý đang gặp sự cố. Anh/chị thử lại sau ít phút; nếu vẫn lỗi, báo bộ phận Công nghệ thông tin.",
    errInterrupted: "Kết nối bị gián đoạn trước khi nhận đủ câu trả lời. Bấm «Thử lại» để hỏi lại.",
    sourceTitle: "Văn bản căn cứ",
    sourceClose: "Đóng văn bản căn cứ",
    sourceLoading: "Đang tải nội dung điều khoản…",
    sourceError: "Không tải được nội dung văn bản.",
    citedClause: "Khoản được trích dẫn",
    citedPoint: "Điểm được trích dẫn",
    openFull: "Xem toàn văn văn bản",
    newTab: "(mở trong thẻ mới)",
    fieldNumber: "Số hiệu",
    fieldType: "Loại văn bản",
    fieldIssuer: "Cơ quan ban hành",
    fieldIssued: "Ngày ban hành",
    fieldEffective: "Ngày có hiệu lực",
    fieldExpires: "Ngày hết hiệu lực",
    fieldNote: "Ghi chú hiệu lực",
    fieldReplacedBy: "Được thay thế bởi",
    procCard: "Thẻ thủ tục: {name}",
    procCode: "Mã thủ tục {code}",
    procDeadline: "Thời hạn giải quyết",
    procWhere: "Nơi nộp hồ sơ",
    procAuthority: "Cơ quan giải quyết",
    procDelegated: "(được {from} ủy quyền)",
    procFee: "Phí, lệ phí",
    procFree: "Không thu phí, lệ phí",
    procDossier: "Hồ sơ cần chuẩn bị",
    procDossierHint: "Đánh dấu giấy tờ đã có",
    procBasis: "Căn cứ pháp lý",
    procChannels: { truc_tiep: "Trực tiếp", buu_chinh: "Qua bưu chính", truc_tuyen: "Trực tuyến" },
    procCopy: { ban_chinh: "bản chính", ban_sao: "bản sao", ban_chinh_hoac_ban_sao: "bản chính hoặc bản sao" },
    procCopies: "{n} bản",
    procWorkingDays: "{n} ngày làm việc",
    procDays: "{n} ngày",
    citedPassage: "Đoạn được trích dẫn",
    disclaimer:
      "Trợ lý trích dẫn văn bản có trong hệ thống. Anh/chị đối chiếu căn cứ trước khi sử dụng trong văn bản chính thức.",
  };

  // ---------------------------------------------------------------------------------------------
  // Small helpers
  // ---------------------------------------------------------------------------------------------

  /** createElement with properties; children are Nodes or strings (inserted as text, never HTML). */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v == null || v === false) continue;
        if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const c of children.flat(Infinity)) {
      if (c == null || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    chat: "M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zM6 9h12v2H6V9zm8 5H6v-2h8v2zm4-6H6V6h12v2z",
    close: "M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z",
    send: "M2.01 21 23 12 2.01 3 2 10l15 2-15 2z",
    stop: "M6 6h12v12H6z",
    newChat:
      "M22 4c0-1.1-.9-2-2-2H4c-1.1 0-1.99.9-1.99 2L2 16c0 1.1.9 2 2 2h14l4 4-.01-18zM17 11h-4v4h-2v-4H7V9h4V5h2v4h4v2z",
    copy:
      "M16 1H4c-1.1 0-2 .9-2 2v14h2V3h12V1zm3 4H8c-1.1 0-2 .9-2 2v14c0 1.1.9 2 2 2h11c1.1 0 2-.9 2-2V7c0-1.1-.9-2-2-2zm0 16H8V7h11v14z",
    up:
      "M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z",
    down:
      "M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z",
    back: "M20 11H7.83l5.59-5.59L12 4l-8 8 8 8 1.41-1.41L7.83 13H20v-2z",
    external:
      "M19 19H5V5h7V3H5c-1.11 0-2 .9-2 2v14c0 1.1.89 2 2 2h14c1.1 0 2-.9 2-2v-7h-2v7zM14 3v2h3.59l-9.83 9.83 1.41 1.41L19 6.41V10h2V3h-7z",
    warn: "M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z",
    refresh:
      "M17.65 6.35A7.958 7.958 0 0 0 12 4c-4.42 0-7.99 3.58-7.99 8s3.57 8 7.99 8c3.73 0 6.84-2.55 7.73-6h-2.08A5.99 5.99 0 0 1 12 18c-3.31 0-6-2.69-6-6s2.69-6 6-6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z",
  };

  function icon(name) {
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]);
    svg.append(path);
    return svg;
  }

  function fmt(template, vars) {
    return String(template).replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
  }

  function vnDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso || "");
    return m ? `${m[3]}/${m[2]}/${m[1]}` : iso || "";
  }

  function resolveBase(value) {
    if (value == null) return null;
    try {
      const u = new URL(value === "" ? "/" : value, document.baseURI);
      if (u.protocol !== "http:" && u.protocol !== "https:") return null;
      return (u.origin + u.pathname).replace(/\/+$/, "");
    } catch {
      return null;
    }
  }

  const DEFAULT_API =
    (SCRIPT_SRC && resolveBase(new URL(".", SCRIPT_SRC).href)) || resolveBase(location.origin) || "";

  // -- colour: the accent is darkened until white text on it reaches WCAG AA (4.5:1) --------------
  function parseHex(value) {
    const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(value || "").trim());
    if (!m) return null;
    let hex = m[1];
    if (hex.length === 3) hex = hex.split("").map((c) => c + c).join("");
    return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16));
  }
  function luminance(rgb) {
    const f = (c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * f(rgb[0]) + 0.7152 * f(rgb[1]) + 0.0722 * f(rgb[2]);
  }
  function contrast(a, b) {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  }
  function mix(a, b, t) {
    return a.map((v, i) => Math.round(v + (b[i] - v) * t));
  }
  function darkenUntil(rgb, against, ratio) {
    let out = rgb;
    for (let t = 0.04; contrast(out, against) < ratio && t <= 1; t += 0.04) out = mix(rgb, [0, 0, 0], t);
    return out;
  }
  function toHex(rgb) {
    return "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");
  }
  function palette(accentValue) {
    const white = [255, 255, 255];
    const accent = darkenUntil(parseHex(accentValue) || parseHex("#b3261e"), white, 4.6);
    const tint = mix(accent, white, 0.9);
    return {
      "--accent": toHex(accent),
      "--accent-hover": toHex(mix(accent, [0, 0, 0], 0.18)),
      "--accent-tint": toHex(tint),
      "--accent-ink": toHex(darkenUntil(accent, tint, 4.6)),
    };
  }

  // -- citations ----------------------------------------------------------------------------------
  // The server labels every citation (assistant/retrieval/naming.py): "khoản 3 Điều 2 Luật Thủ đô số
  // 02/2026/QH16", "mục 16 Phụ lục Nghị quyết 76/2025/NQ-HĐND"; the widget shows them as they come.
  function chipLabel(c) {
    return c.chip_label || `${c.number || c.doc_label || c.doc_id} · ${c.article_label || ""}`.trim();
  }
  function fullLabel(c) {
    return c.label || `${c.article_label || ""} ${c.doc_label || c.doc_id}`.trim();
  }
  function copyText(msg) {
    const cites = msg.citations || [];
    if (!cites.length) return msg.text;
    const lines = cites.map(
      (c) => `[${c.n}] ${fullLabel(c)}` + (c.validity && c.validity !== IN_FORCE ? ` (${c.validity})` : ""),
    );
    return `${msg.text}\n\nCăn cứ:\n${lines.join("\n")}`;
  }
  function validityClass(v) {
    if (v === IN_FORCE) return "in-force";
    if (v === EXPIRED) return "expired";
    if (v === NOT_YET) return "not-yet";
    return "other";
  }
  function capitalize(s) {
    return s ? s[0].toUpperCase() + s.slice(1) : s;
  }

  // ---------------------------------------------------------------------------------------------
  // Safe rich text: **bold**, line breaks, "- " lists, [n] markers → buttons. DOM only, no HTML.
  // ---------------------------------------------------------------------------------------------
  const INLINE = /\*\*([^*\n][\s\S]*?)\*\*|\[(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\]/g;

  function appendInline(parent, text, ctx) {
    let last = 0;
    INLINE.lastIndex = 0;
    for (let m = INLINE.exec(text); m; m = INLINE.exec(text)) {
      if (m.index > last) parent.append(document.createTextNode(text.slice(last, m.index)));
      if (m[1] != null) {
        const strong = document.createElement("strong");
        appendInline(strong, m[1], ctx);
        parent.append(strong);
        INLINE.lastIndex = m.index + m[0].length; // the recursive call reset the shared regex
      } else {
        const nums = m[2].split(/\s*[,;]\s*/).map(Number);
        if (ctx && ctx.marker && nums.every((n) => ctx.byN.has(n))) {
          nums.forEach((n) => parent.append(ctx.marker(ctx.byN.get(n))));
        } else {
          parent.append(document.createTextNode(m[0]));
        }
      }
      last = m.index + m[0].length;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  function quoteBalance(s) {
    return (s.match(/“/g) || []).length - (s.match(/”/g) || []).length;
  }

  function renderRich(text, ctx) {
    const frag = document.createDocumentFragment();
    const lines = String(text || "").replace(/\r\n?/g, "\n").split("\n");
    let list = null;
    let block = null;
    let raw = "";
    for (const line of lines) {
      if (!line.trim()) {
        list = block = null;
        continue;
      }
      const item = /^\s*[-*•]\s+(.*)$/.exec(line);
      const heading = /^\s*#{1,4}\s+(.*)$/.exec(line);
      if (item) {
        if (!list) {
          list = document.createElement("ul");
          frag.append(list);
        }
        block = document.createElement("li");
        list.append(block);
        raw = item[1];
        appendInline(block, item[1], ctx);
      } else if (heading) {
        list = null;
        block = null;
        const p = h("p", { class: "md-h" });
        appendInline(p, heading[1], ctx);
        frag.append(p);
      } else if (block && (block.tagName === "P" || quoteBalance(raw) > 0)) {
        // the next line of a paragraph, or of a quotation spanning several lines inside a list item
        block.append(document.createElement("br"));
        raw += "\n" + line;
        appendInline(block, line, ctx);
      } else {
        list = null;
        block = document.createElement("p");
        raw = line;
        frag.append(block);
        appendInline(block, line, ctx);
      }
    }
    return frag;
  }

  // ---------------------------------------------------------------------------------------------
  // Server-sent events over fetch (EventSource cannot POST)
  // ---------------------------------------------------------------------------------------------
  async function* readSSE(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "message";
    let data = [];
    const lineEnd = /\r\n|\r|\n/;
    const take = function* (final) {
      for (;;) {
        const m = lineEnd.exec(buffer);
        if (!m) break;
        // a lone "\r" at the end of a chunk may be the first half of "\r\n": wait for more
        if (!final && m[0] === "\r" && m.index === buffer.length - 1) break;
        const line = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        if (line === "") {
          if (data.length) yield { event, data: data.join("\n") };
          event = "message";
          data = [];
          continue;
        }
        if (line[0] === ":") continue; // comment / keep-alive ping
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value[0] === " ") value = value.slice(1);
        if (field === "event") event = value || "message";
        else if (field === "data") data.push(value);
      }
    };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        yield* take(false);
      }
      buffer += decoder.decode();
      yield* take(true);
      if (data.length) yield { event, data: data.join("\n") };
    } finally {
      reader.releaseLock();
    }
  }

  /** Reveals streamed text progressively (word groups), so bursts still read as a stream. */
  class Typewriter {
    constructor(render) {
      this.render = render;
      this.target = "";
      this.shown = 0;
      this.timer = null;
      this.waiters = [];
    }
    push(text) {
      this.target += text;
      this._schedule();
    }
    _schedule() {
      if (!this.timer && this.shown < this.target.length) this.timer = setTimeout(() => this._tick(), TICK_MS);
    }
    _tick() {
      this.timer = null;
      const remaining = this.target.length - this.shown;
      if (remaining > 0) {
        let end = Math.min(this.target.length, this.shown + Math.max(12, Math.ceil(remaining / 5)));
        const space = this.target.slice(end).search(/\s/);
        if (space >= 0 && space < 16) end += space;
        else if (space < 0 && this.target.length - end < 16) end = this.target.length;
        this.shown = end;
        this.render(this.target.slice(0, end));
      }
      if (this.shown < this.target.length) this._schedule();
      else this._release();
    }
    _release() {
      const w = this.waiters;
      this.waiters = [];
      w.forEach((r) => r());
    }
    /** Resolves once the final text is fully shown. */
    finish(finalText) {
      if (finalText != null && finalText !== this.target) {
        if (!finalText.startsWith(this.target.slice(0, this.shown))) this.shown = 0;
        this.target = finalText;
      }
      return new Promise((resolve) => {
        this.waiters.push(resolve);
        if (this.shown >= this.target.length && !this.timer) this._release();
        else this._schedule();
      });
    }
    stop() {
      clearTimeout(this.timer);
      this.timer = null;
      this._release();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Styles (adopted by every instance's shadow root)
  // ---------------------------------------------------------------------------------------------
  const CSS = `
:host { all: initial !important; display: block !important; position: static !important;
  direction: ltr !important; visibility: visible !important; opacity: 1 !important;
  transform: none !important; filter: none !important; contain: none !important; }
:host([inline]) { width: 100% !important; }
:host::before, :host::after { content: none !important; display: none !important; }
.tlcv { --focus: #0b57d0; --ink: #1f2328; --muted: #4d535c; --line: #d6dae0; --bg-soft: #f4f5f7;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial,
    "Liberation Sans", "DejaVu Sans", sans-serif;
  font-size: 15px; line-height: 1.5; color: var(--ink); text-align: left; direction: ltr;
  font-weight: 400; font-style: normal; letter-spacing: normal; word-spacing: normal; text-transform: none;
  text-indent: 0; white-space: normal; visibility: visible; cursor: auto; -webkit-text-size-adjust: 100%;
  -webkit-tap-highlight-color: transparent; }
.tlcv *, .tlcv *::before, .tlcv *::after { box-sizing: border-box; }
.tlcv button, .tlcv textarea, .tlcv a { font: inherit; letter-spacing: inherit; }
.tlcv button { margin: 0; cursor: pointer; -webkit-appearance: none; appearance: none; }
.tlcv [hidden] { display: none !important; }
.tlcv svg { width: 20px; height: 20px; fill: currentColor; flex: none; display: block; }
.tlcv :focus { outline: none; }
.tlcv :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.tlcv .head :focus-visible, .tlcv .launcher:focus-visible { outline-color: #fff; box-shadow: 0 0 0 6px var(--focus); }
.sr-only { position: absolute !important; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden;
  clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; border: 0; }

.launcher { position: fixed; z-index: 2147483000; bottom: 20px; right: 20px; display: inline-flex;
  align-items: center; gap: 8px; min-height: 52px; padding: 0 20px 0 16px; border: 0; border-radius: 26px;
  background: var(--accent); color: #fff; font-size: 15px; font-weight: 600; line-height: 1.2;
  box-shadow: 0 6px 20px rgba(0, 0, 0, .25); }
.launcher svg { width: 24px; height: 24px; }
.launcher:hover { background: var(--accent-hover); }
.pos-left .launcher { right: auto; left: 20px; }

.panel { position: relative; display: flex; flex-direction: row; overflow: hidden; background: #fff; color: var(--ink); }
.panel.floating { position: fixed; z-index: 2147483001; bottom: 84px; right: 20px;
  width: min(420px, calc(100vw - 32px)); height: min(700px, calc(100vh - 104px));
  border: 1px solid var(--line); border-radius: 14px; box-shadow: 0 12px 40px rgba(0, 0, 0, .28); }
.panel.floating.has-source { width: min(920px, calc(100vw - 32px)); }
.pos-left .panel.floating { right: auto; left: 20px; }
.panel.inline { width: 100%; height: var(--tlcv-height, 640px); border: 1px solid var(--line); border-radius: 12px; }

.chat-pane { flex: 1 1 auto; min-width: 0; display: flex; flex-direction: column; background: #fff; }
.source-pane { flex: 0 0 50%; min-width: 0; display: flex; flex-direction: column; background: #fff;
  border-right: 1px solid var(--line); }
.pos-left .source-pane { order: 2; border-right: 0; border-left: 1px solid var(--line); }
.panel:not(.split) .source-pane { position: absolute; inset: 0; z-index: 3; border: 0; }

.head { display: flex; align-items: center; gap: 4px; padding: 10px 8px 10px 16px; background: var(--accent); color: #fff; flex: none; }
.head-text { flex: 1 1 auto; min-width: 0; }
.head h2 { margin: 0; font-size: 17px; font-weight: 700; line-height: 1.3; color: #fff; }
.head p { margin: 0; font-size: 13px; line-height: 1.35; color: #fff; }
.icon-btn { display: inline-flex; align-items: center; justify-content: center; width: 40px; height: 40px;
  flex: none; border: 0; border-radius: 8px; background: transparent; color: inherit; padding: 0; }
.head .icon-btn:hover { background: rgba(0, 0, 0, .22); }

.log { flex: 1 1 auto; min-height: 0; overflow-y: auto; overscroll-behavior: contain; padding: 16px 14px;
  background: var(--bg-soft); display: flex; flex-direction: column; gap: 14px; }
.welcome { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 14px; }
.welcome p { margin: 0 0 10px; }
.welcome h3 { margin: 0 0 8px; font-size: 13px; font-weight: 700; color: var(--muted); }
.starters { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 8px; }
.starter { width: 100%; text-align: left; padding: 9px 12px; border: 1px solid #b9bfc8; border-radius: 10px;
  background: #fff; color: var(--accent-ink); font-weight: 600; line-height: 1.35; }
.starter:hover { background: var(--accent-tint); border-color: var(--accent); }

.msg { display: flex; flex-direction: column; max-width: 100%; }
.msg.user { align-self: flex-end; max-width: 88%; }
.msg.user .bubble { background: var(--accent); color: #fff; border-radius: 14px 14px 4px 14px; padding: 8px 12px;
  white-space: pre-wrap; overflow-wrap: anywhere; }
.msg.bot .bubble, .msg.error .bubble { background: #fff; border: 1px solid var(--line); border-radius: 4px 14px 14px 14px;
  padding: 12px 14px; overflow-wrap: anywhere; }
.md p { margin: 0 0 8px; }
.md p:last-child, .md ul:last-child { margin-bottom: 0; }
.md .md-h { font-weight: 700; }
.md ul { margin: 4px 0 8px; padding-left: 20px; }
.md li { margin: 6px 0; }
.md strong { font-weight: 700; }
.caret { display: inline-block; width: 7px; height: 15px; margin-left: 2px; vertical-align: -2px; background: var(--muted);
  animation: tlcv-blink 1s steps(2, start) infinite; }
.cite-marker { display: inline-flex; align-items: center; justify-content: center; min-width: 24px; height: 22px;
  padding: 0 6px; margin: 0 2px; border: 1px solid var(--accent-ink); border-radius: 11px; background: var(--accent-tint);
  color: var(--accent-ink); font-size: 12px; font-weight: 700; line-height: 1; vertical-align: 1px; }
.cite-marker:hover, .cite-marker[aria-current="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }

.thinking { display: flex; align-items: center; gap: 10px; color: var(--muted); font-size: 14px; }
.dots { display: inline-flex; gap: 4px; }
.dots span { width: 7px; height: 7px; border-radius: 50%; background: var(--accent); animation: tlcv-bounce 1.1s infinite ease-in-out; }
.dots span:nth-child(2) { animation-delay: .15s; } .dots span:nth-child(3) { animation-delay: .3s; }
@keyframes tlcv-bounce { 0%, 80%, 100% { transform: scale(.55); opacity: .45; } 40% { transform: scale(1); opacity: 1; } }
@keyframes tlcv-blink { to { visibility: hidden; } }
@media (prefers-reduced-motion: reduce) { .dots span, .caret { animation: none; } }

.bubble.declined { background: #fff8e5; border-color: #e2c16b; }
.declined-title { display: flex; align-items: center; gap: 6px; margin: 0 0 6px; font-weight: 700; color: #5e3d00; }
.hint { margin: 8px 0 0; font-size: 13.5px; color: #4a3500; }
.notes { list-style: none; margin: 10px 0 0; padding: 8px 10px; background: #fff8e5; border-left: 3px solid #a15c00;
  color: #4a3500; font-size: 13.5px; border-radius: 0 6px 6px 0; }
.stopped-note { margin: 8px 0 0; font-size: 13px; color: var(--muted); font-style: italic; }

.cites { margin-top: 12px; padding-top: 10px; border-top: 1px solid #e3e6ea; }
.cites h3 { margin: 0 0 6px; font-size: 13px; font-weight: 700; color: var(--muted); }
.chips { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
.chips li { max-width: 100%; }
.chip { display: inline-flex; align-items: center; gap: 6px; max-width: 100%; min-height: 32px; padding: 4px 10px 4px 5px;
  border: 1px solid #b9bfc8; border-radius: 16px; background: #fff; color: var(--ink); font-size: 13px;
  line-height: 1.3; text-align: left; }
.chip:hover, .chip[aria-current="true"] { border-color: var(--accent); background: var(--accent-tint); }
.chip .n { display: inline-flex; align-items: center; justify-content: center; min-width: 22px; height: 22px; padding: 0 6px;
  border-radius: 11px; background: var(--accent); color: #fff; font-size: 12px; font-weight: 700; flex: none; }
.chip .lbl { overflow-wrap: anywhere; }
.chip .warn { color: #8a1c12; font-weight: 700; }

.actions { display: flex; align-items: center; flex-wrap: wrap; gap: 4px; margin-top: 10px; }
.act { display: inline-flex; align-items: center; gap: 6px; height: 34px; padding: 0 10px; border: 1px solid transparent;
  border-radius: 8px; background: transparent; color: var(--muted); font-size: 13px; }
.act svg { width: 18px; height: 18px; }
.act:hover { background: #eceef1; color: var(--ink); }
.act[aria-pressed="true"] { color: var(--accent-ink); border-color: var(--accent-ink); background: var(--accent-tint); }
.act:disabled { cursor: default; }
.act:disabled:hover { background: transparent; color: var(--muted); }
.act[aria-pressed="true"]:disabled:hover { color: var(--accent-ink); background: var(--accent-tint); }
.act-status { margin: 6px 0 0; font-size: 13px; color: #0b5a27; }
.act-status.bad { color: #8a1c12; }
.fb-form { display: flex; flex-direction: column; gap: 6px; margin-top: 8px; }
.fb-form label { font-size: 13px; color: var(--ink); font-weight: 600; }
.fb-form textarea { width: 100%; min-height: 64px; resize: vertical; padding: 8px 10px; border: 1px solid #767c85;
  border-radius: 8px; background: #fff; color: var(--ink); font-size: 14px; line-height: 1.4; }
.fb-form textarea::placeholder, .composer textarea::placeholder { color: #5d636c; opacity: 1; }
.row { display: flex; gap: 8px; flex-wrap: wrap; }
.btn { display: inline-flex; align-items: center; gap: 6px; min-height: 36px; padding: 0 14px; border: 1px solid var(--accent);
  border-radius: 8px; background: var(--accent); color: #fff; font-size: 14px; font-weight: 600; }
.btn:hover { background: var(--accent-hover); }
.btn.secondary { background: #fff; color: var(--ink); border-color: #767c85; }
.btn.secondary:hover { background: #eceef1; }
.btn:disabled { background: #e4e6ea; border-color: #c2c7ce; color: #4d535c; cursor: not-allowed; }
.btn svg { width: 18px; height: 18px; }

.msg.error .bubble { background: #fdeceb; border-color: #eeaaa4; color: #5c130d; }
.msg.error p { margin: 0 0 8px; }
.msg.error .detail { font-size: 13px; }

.composer { display: flex; align-items: flex-end; gap: 8px; padding: 10px 12px 8px; border-top: 1px solid var(--line); background: #fff; flex: none; }
.composer textarea { flex: 1 1 auto; min-width: 0; height: 46px; min-height: 46px; max-height: 150px; resize: none; margin: 0;
  padding: 11px 12px; border: 1px solid #767c85; border-radius: 10px; background: #fff; color: var(--ink);
  font-size: 15px; line-height: 1.45; overflow-y: auto; }
.send { display: inline-flex; align-items: center; justify-content: center; width: 46px; height: 46px; flex: none; padding: 0;
  border: 0; border-radius: 10px; background: var(--accent); color: #fff; }
.send:hover { background: var(--accent-hover); }
.send svg { width: 22px; height: 22px; }
.disclaimer { margin: 0; padding: 0 12px 10px; font-size: 12px; line-height: 1.4; color: #50565f; background: #fff; flex: none; }

.src-head { display: flex; align-items: center; gap: 6px; padding: 8px 8px 8px 10px; border-bottom: 1px solid var(--line);
  background: var(--bg-soft); flex: none; }
.src-head h2 { flex: 1 1 auto; margin: 0; font-size: 15px; font-weight: 700; color: var(--ink); }
.src-head .icon-btn { color: var(--ink); }
.panel.overlay .src-head .icon-btn { order: -1; }
.src-head .icon-btn:hover { background: #e2e5e9; }
.src-body { flex: 1 1 auto; min-height: 0; overflow-y: auto; overscroll-behavior: contain; padding: 14px 16px 24px; }
.src-status { color: var(--muted); }
.doc-card { border: 1px solid var(--line); border-radius: 10px; padding: 10px 12px; margin: 0 0 12px; background: #fff; }
.doc-top { display: flex; align-items: flex-start; justify-content: space-between; gap: 8px 10px; flex-wrap: wrap; }
.doc-title { margin: 0; font-size: 16px; font-weight: 700; line-height: 1.35; color: var(--ink); }
.doc-note { margin: 6px 0 0; font-size: 13px; color: var(--muted); }
.badge { flex: none; display: inline-block; white-space: nowrap; padding: 2px 9px; border-radius: 10px; font-size: 12.5px; font-weight: 700; line-height: 1.5; }
.badge.in-force { background: #e3f2e7; color: #0b5a27; }
.badge.expired { background: #fbe4e2; color: #8a1c12; }
.badge.not-yet { background: #fdf0cf; color: #5e3d00; }
.badge.other { background: #eceef1; color: #33373d; }
.meta { display: flex; flex-wrap: wrap; gap: 4px 20px; margin: 8px 0 0; font-size: 13.5px; line-height: 1.35; }
.meta dt { color: var(--muted); font-size: 12.5px; }
.meta dd { margin: 0; color: var(--ink); overflow-wrap: anywhere; }
.crumbs { margin: 0 0 4px; font-size: 12.5px; color: var(--muted); }
.art-title { margin: 0 0 10px; font-size: 16px; font-weight: 700; line-height: 1.4; color: var(--ink); }
.art-body p { margin: 0 0 6px; }
.clause { margin: 0 -10px 4px; padding: 4px 10px; border-left: 4px solid transparent; border-radius: 0 8px 8px 0; }
.clause p { margin: 0 0 4px; }
.clause p:last-child { margin-bottom: 0; }
.clause.hl { background: #fff3c4; border-left-color: var(--accent); }
.hl-line { background: #fff3c4; box-shadow: -4px 0 0 var(--accent); padding: 2px 4px; border-radius: 3px; }
.proc-card { margin: 10px 0 4px; padding: 10px 12px; border: 1px solid var(--line); border-radius: 10px;
  background: #fff; color: var(--ink); }
.proc-card h3.proc-name { margin: 0 0 2px; font-size: 1em; line-height: 1.35; }
.proc-card .proc-code { margin: 0 0 8px; font-size: .88em; color: var(--muted); }
.proc-card dl.proc-facts { margin: 0; display: grid; gap: 6px; }
.proc-card dl.proc-facts > div { display: grid; grid-template-columns: minmax(7.5em, 32%) 1fr; gap: 8px; }
.proc-card dt { font-weight: 600; }
.proc-card dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.proc-card h4 { margin: 10px 0 4px; font-size: .95em; }
.proc-card ul { margin: 0; padding: 0; list-style: none; }
.proc-card ul.proc-list li { margin: 2px 0; overflow-wrap: anywhere; }
.proc-card ul.proc-checklist li { display: flex; align-items: flex-start; gap: 6px; margin: 4px 0; }
.proc-card ul.proc-checklist input { margin-top: 3px; width: 18px; height: 18px; flex: none; accent-color: var(--accent); }
.proc-card ul.proc-checklist label { flex: 1; min-width: 0; overflow-wrap: anywhere; }
@media (max-width: 480px) { .proc-card dl.proc-facts > div { grid-template-columns: 1fr; gap: 0; } }
.clause .hl-point { background: #ffe27a; border-radius: 4px; box-shadow: 0 0 0 3px #ffe27a; }
.hl-label { display: inline-block; margin: 0 0 4px; padding: 1px 8px; border-radius: 9px; background: var(--accent);
  color: #fff; font-size: 12px; font-weight: 700; }
.full-link { display: inline-flex; align-items: center; gap: 6px; margin-top: 14px; color: var(--accent-ink); font-weight: 600;
  text-decoration: underline; text-underline-offset: 3px; }
.full-link svg { width: 18px; height: 18px; }

@media (max-width: 599px) {
  .panel.floating, .panel.floating.has-source { inset: 0; width: 100%; height: 100%; max-height: none;
    border: 0; border-radius: 0; box-shadow: none; }
  .tlcv.open .launcher { display: none; }
  .launcher { padding: 0 16px; }
  .log { padding: 12px 10px; }
  .head p { display: none; }
  .msg.user { max-width: 92%; }
}
@media (max-width: 599px) and (max-height: 700px) { .disclaimer { display: none; } }
@media (forced-colors: active) { .chip, .cite-marker, .btn, .act, .starter, .send, .launcher { border: 1px solid ButtonText; } }
`;

  let sharedSheet = null;
  function adoptStyles(shadow) {
    try {
      if (!sharedSheet) {
        sharedSheet = new CSSStyleSheet();
        sharedSheet.replaceSync(CSS);
      }
      shadow.adoptedStyleSheets = [sharedSheet];
    } catch {
      shadow.append(h("style", { text: CSS }));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The element
  // ---------------------------------------------------------------------------------------------
  let instances = 0;

  class TroLyCongVu extends HTMLElement {
    constructor() {
      super();
      this._shadow = this.attachShadow({ mode: "open" });
      this._uid = `tlcv${++instances}`;
      this._busy = false;
      this._generation = 0; // bumped by every question and by "new conversation"
      this._open = false;
      this._controller = null;
      this._sourceCache = new Map();
      this._sourceToken = 0;
      this._returnFocus = null;
    }

    // -- public API ------------------------------------------------------------------------------
    open() {
      this._setOpen(true);
    }
    close() {
      this._setOpen(false);
    }
    ask(question) {
      if (!this.cfg.inline) this._setOpen(true);
      return this._ask(question);
    }
    reset() {
      this._newConversation();
    }

    connectedCallback() {
      if (this._built) return;
      this._built = true;
      this.cfg = this._readConfig();
      this.s = this.cfg.strings;
      this._storeKey = `tro-ly-cong-vu:v1:${this.cfg.api}:${this.cfg.inline ? "inline" : "floating"}`;
      this.state = this._load();
      adoptStyles(this._shadow);
      this._build();
      this._renderMessages();
    }

    disconnectedCallback() {
      if (this._controller) this._controller.abort();
    }

    _attr(name) {
      return this.getAttribute(name) ?? this.getAttribute(`data-${name}`);
    }

    _readConfig() {
      let overrides = {};
      const raw = this._attr("strings");
      if (raw) {
        try {
          overrides = JSON.parse(raw) || {};
        } catch {
          console.warn("[tro-ly-cong-vu] data-strings is not valid JSON; using the default texts.");
        }
      }
      const strings = { ...DEFAULT_STRINGS };
      for (const [k, v] of Object.entries(overrides)) {
        const def = DEFAULT_STRINGS[k];
        if (typeof def === "string" && typeof v === "string") strings[k] = v;
        else if (Array.isArray(def) && Array.isArray(v)) strings[k] = v.filter((x) => typeof x === "string");
      }
      const title = this.getAttribute("data-title") ?? this.getAttribute("heading");
      if (title) strings.title = title;
      const height = this._attr("height");
      return {
        api: resolveBase(this._attr("api")) || DEFAULT_API,
        key: (this._attr("key") || "").trim(),
        inline: this.hasAttribute("inline") || this.getAttribute("data-inline") === "true",
        position: (this._attr("position") || "right").toLowerCase() === "left" ? "left" : "right",
        colors: palette(this._attr("accent")),
        height: height && /^\d+(\.\d+)?(px|vh|dvh|svh|%|em)$/.test(height.trim()) ? height.trim() : null,
        strings,
      };
    }

    _headers(extra) {
      const headers = { ...extra };
      if (this.cfg.key) headers.Authorization = `Bearer ${this.cfg.key}`;
      return headers;
    }

    // -- persistence -------------------------------------------------------------------------------
    _load() {
      try {
        const data = JSON.parse(sessionStorage.getItem(this._storeKey) || "null");
        if (data && Array.isArray(data.messages)) {
          return {
            conversationId: typeof data.conversationId === "string" ? data.conversationId : null,
            messages: data.messages.filter((m) => m && (m.role === "user" || m.role === "assistant")),
          };
        }
      } catch {
        /* storage disabled or corrupt: start afresh */
      }
      return { conversationId: null, messages: [] };
    }

    _save() {
      try {
        const messages = this.state.messages.slice(-MAX_STORED);
        sessionStorage.setItem(this._storeKey, JSON.stringify({ conversationId: this.state.conversationId, messages }));
      } catch {
        /* quota or disabled storage: the conversation simply does not survive a reload */
      }
    }

    // -- DOM ---------------------------------------------------------------------------------------
    _build() {
      const s = this.s;
      const id = (x) => `${this._uid}-${x}`;
      const inline = this.cfg.inline;

      this.root = h("div", { class: `tlcv pos-${this.cfg.position} ${inline ? "inline-mode" : "floating-mode"}` });
      for (const [k, v] of Object.entries(this.cfg.colors)) this.root.style.setProperty(k, v);
      if (this.cfg.height) this.root.style.setProperty("--tlcv-height", this.cfg.height);

      // chat pane
      this.titleEl = h("h2", { id: id("title"), text: s.title });
      this.newBtn = h(
        "button",
        { type: "button", class: "icon-btn new-chat", "aria-label": s.newChat, title: s.newChat,
          onclick: () => this._newConversation() },
        icon("newChat"),
      );
      this.closeBtn = inline
        ? null
        : h("button", { type: "button", class: "icon-btn close", "aria-label": s.close, title: s.close,
            onclick: () => this._setOpen(false) }, icon("close"));
      const head = h(
        "div",
        { class: "head" },
        h("div", { class: "head-text" }, this.titleEl, h("p", { text: s.subtitle })),
        this.newBtn,
        this.closeBtn,
      );
      this.log = h("div", {
        class: "log",
        role: "log",
        "aria-live": "polite",
        "aria-relevant": "additions text",
        "aria-label": s.logLabel,
        tabindex: "-1",
      });
      this.statusEl = h("div", { class: "sr-only", role: "status", "aria-live": "polite" });
      this.input = h("textarea", {
        id: id("input"),
        rows: "1",
        maxlength: String(MAX_QUESTION),
        placeholder: s.placeholder,
        "aria-describedby": id("hint"),
        autocomplete: "off",
        enterkeyhint: "send",
      });
      this.input.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
          e.preventDefault();
          this._submit();
        }
      });
      this.input.addEventListener("input", () => this._autosize());
      this.sendBtn = h("button", { type: "submit", class: "send", "aria-label": s.send, title: s.send }, icon("send"));
      const composer = h(
        "form",
        { class: "composer", onsubmit: (e) => { e.preventDefault(); this._submit(); } },
        h("label", { class: "sr-only", for: id("input"), text: s.inputLabel }),
        h("span", { class: "sr-only", id: id("hint"), text: s.inputHint }),
        this.input,
        this.sendBtn,
      );
      this.chatPane = h(
        "div",
        { class: "chat-pane" },
        head,
        this.log,
        this.statusEl,
        composer,
        h("p", { class: "disclaimer", text: s.disclaimer }),
      );

      // source pane (cited article)
      this.srcTitle = h("h2", { id: id("src-title"), tabindex: "-1", text: s.sourceTitle });
      this.srcClose = h("button", { type: "button", class: "icon-btn", "aria-label": s.sourceClose, title: s.sourceClose,
        onclick: () => this._closeSource() }, icon("close"));
      this.srcBody = h("div", { class: "src-body" });
      this.sourcePane = h(
        "section",
        { class: "source-pane", id: id("source"), "aria-labelledby": id("src-title"), hidden: true },
        h("div", { class: "src-head" }, this.srcTitle, this.srcClose),
        this.srcBody,
      );

      this.panel = h(
        "div",
        inline
          ? { class: "panel inline", role: "region", "aria-labelledby": id("title") }
          : { class: "panel floating", id: id("panel"), role: "dialog", "aria-modal": "true",
              "aria-labelledby": id("title"), hidden: true },
        this.sourcePane,
        this.chatPane,
      );

      if (!inline) {
        this.launcher = h(
          "button",
          { type: "button", class: "launcher", "aria-expanded": "false", "aria-controls": id("panel"),
            "aria-haspopup": "dialog", onclick: () => this._setOpen(!this._open) },
          icon("chat"),
          h("span", { class: "launcher-text", text: s.launcher }),
        );
        this.root.append(this.launcher);
      }
      this.root.append(this.panel);
      this.root.addEventListener("keydown", (e) => this._onKeydown(e));
      this._shadow.append(this.root);

      if (window.ResizeObserver) {
        new ResizeObserver(() => this._layout()).observe(this.panel);
      }
    }

    _layout() {
      const split = !this.sourcePane.hidden && this.panel.getBoundingClientRect().width >= 760;
      this.panel.classList.toggle("split", split);
      const overlay = !this.sourcePane.hidden && !split;
      this.panel.classList.toggle("overlay", overlay);
      this.chatPane.inert = overlay;
      this.srcClose.replaceChildren(icon(overlay ? "back" : "close"));
    }

    _autosize() {
      const el = this.input;
      if (!el.value) {
        el.style.height = "";
        return;
      }
      el.style.height = "auto";
      el.style.height = `${Math.min(Math.max(el.scrollHeight + 2, 46), 150)}px`;
    }

    _announce(text) {
      this.statusEl.textContent = "";
      setTimeout(() => {
        this.statusEl.textContent = text;
      }, 60);
    }

    _nearBottom() {
      const l = this.log;
      return l.scrollHeight - l.scrollTop - l.clientHeight < 60;
    }

    _scrollToBottom() {
      this.log.scrollTop = this.log.scrollHeight;
    }

    // -- open / close / keyboard ------------------------------------------------------------------
    _setOpen(open) {
      if (this.cfg.inline || open === this._open) return;
      this._open = open;
      this.panel.hidden = !open;
      this.root.classList.toggle("open", open);
      this.launcher.setAttribute("aria-expanded", String(open));
      if (open) {
        this._layout();
        this._scrollToBottom();
        requestAnimationFrame(() => this.input.focus());
      } else {
        this._closeSource(false);
        this.launcher.focus();
      }
    }

    _focusables(container) {
      const sel = "button, [href], textarea, input, select, [tabindex]:not([tabindex='-1'])";
      return [...container.querySelectorAll(sel)].filter(
        (el) => !el.disabled && !el.closest("[hidden]") && !el.closest("[inert]") && el.getClientRects().length > 0,
      );
    }

    _onKeydown(e) {
      if (e.key === "Escape") {
        const form = e.target.closest && e.target.closest(".fb-form");
        if (form) {
          e.preventDefault();
          form._cancel();
          return;
        }
        if (!this.sourcePane.hidden) {
          e.preventDefault();
          e.stopPropagation();
          this._closeSource();
          return;
        }
        if (!this.cfg.inline && this._open) {
          e.preventDefault();
          e.stopPropagation();
          this._setOpen(false);
        }
        return;
      }
      if (e.key === "Tab" && !this.cfg.inline && this._open) {
        const items = this._focusables(this.panel);
        if (!items.length) return;
        const first = items[0];
        const last = items[items.length - 1];
        const active = this._shadow.activeElement;
        if (!active || !this.panel.contains(active)) {
          e.preventDefault();
          (e.shiftKey ? last : first).focus();
        } else if (e.shiftKey && active === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && active === last) {
          e.preventDefault();
          first.focus();
        }
      }
    }

    // -- messages ----------------------------------------------------------------------------------
    _welcomeNode() {
      const s = this.s;
      const starters = (s.starters || []).map((q) =>
        h("li", null, h("button", { type: "button", class: "starter", onclick: () => this._ask(q) }, q)),
      );
      return h(
        "div",
        { class: "welcome" },
        h("p", { text: s.welcome }),
        starters.length ? h("h3", { id: `${this._uid}-starters`, text: s.startersLabel }) : null,
        starters.length ? h("ul", { class: "starters", "aria-labelledby": `${this._uid}-starters` }, starters) : null,
      );
    }

    _renderMessages() {
      const nodes = this.state.messages.map((m) => (m.role === "user" ? this._userNode(m) : this._botNode(m)));
      this.log.replaceChildren(...(nodes.length ? nodes : [this._welcomeNode()]));
      this._scrollToBottom();
    }

    _userNode(m) {
      return h(
        "div",
        { class: "msg user" },
        h("div", { class: "bubble" }, h("span", { class: "sr-only", text: `${this.s.you} ` }), m.text),
      );
    }

    _marker(c) {
      return h(
        "button",
        { type: "button", class: "cite-marker", "data-n": c.n, "aria-label": fmt(this.s.citeAria, { n: c.n, label: fullLabel(c) }),
          title: fullLabel(c), onclick: (e) => this._openSource(c, e.currentTarget) },
        String(c.n),
      );
    }

    _botNode(m) {
      const s = this.s;
      const citations = Array.isArray(m.citations) ? m.citations : [];
      const ctx = { byN: new Map(citations.map((c) => [c.n, c])), marker: (c) => this._marker(c) };
      const md = h("div", { class: "md" });
      md.append(renderRich(m.text, ctx));
      const extraNotes = (m.notes || []).filter((n) => n && !(m.text || "").includes(n));
      const bubble = h(
        "div",
        { class: `bubble${m.declined ? " declined" : ""}` },
        h("span", { class: "sr-only", text: `${s.bot} ` }),
        m.declined ? h("p", { class: "declined-title" }, icon("warn"), s.declinedTitle) : null,
        md,
        m.procedure ? this._procedureCard(m.procedure) : null,
        m.declined ? h("p", { class: "hint", text: s.declinedHint }) : null,
        extraNotes.length
          ? h("ul", { class: "notes", "aria-label": s.notesLabel }, extraNotes.map((n) => h("li", { text: n })))
          : null,
      );
      if (citations.length) {
        const hid = `${this._uid}-c-${m.id || Math.random().toString(36).slice(2)}`;
        bubble.append(
          h(
            "div",
            { class: "cites" },
            h("h3", { id: hid, text: s.sourcesHeading }),
            h(
              "ul",
              { class: "chips", "aria-labelledby": hid },
              citations.map((c) =>
                h(
                  "li",
                  null,
                  h(
                    "button",
                    { type: "button", class: "chip", "data-n": c.n, title: fullLabel(c),
                      "aria-label": fmt(s.citeAria, { n: c.n, label: fullLabel(c) }) +
                        (c.validity && c.validity !== IN_FORCE ? ` (${c.validity})` : ""),
                      onclick: (e) => this._openSource(c, e.currentTarget) },
                    h("span", { class: "n", "aria-hidden": "true", text: String(c.n) }),
                    h("span", { class: "lbl", text: chipLabel(c) }),
                    c.validity && c.validity !== IN_FORCE ? h("span", { class: "warn", text: `· ${c.validity}` }) : null,
                  ),
                ),
              ),
            ),
          ),
        );
      }
      if (m.id) bubble.append(this._actions(m));
      return h("div", { class: "msg bot", "data-answer-id": m.id || "" }, bubble);
    }

    /** A procedure card: tên, thời hạn, nơi nộp, cơ quan, phí, hồ sơ as a checklist, căn cứ — each line
     *  with its [n] opening the section of the text it was read from, the cited words highlighted. */
    _procedureCard(p) {
      const s = this.s;
      let n = 0;
      const cite = (value) => {
        const c = value && value.citation;
        if (!c || !c.url) return null;
        n += 1;
        return this._marker({
          n, doc_id: c.doc_id, article_key: c.article_key, url: c.url, article_label: c.section || "",
          doc_label: p.code ? fmt(s.procCode, { code: p.code }) : c.doc_id,
          mark: typeof value.text === "string" ? value.text : (value.name || ""),
        });
      };
      const line = (text, value) => h("span", { class: "proc-line" }, h("span", { text }), " ", cite(value));
      const nameMarker = cite(p.name); // [1]: the card's own section
      const facts = [];
      const fact = (label, ...dd) => facts.push(h("div", null, h("dt", { text: label }), h("dd", null, ...dd)));
      const name = (p.name && p.name.text) || "";
      const d = p.deadline;
      if (d) {
        const days = typeof d.days === "number" ? String(d.days).replace(".", ",") : null;
        const text = days ? fmt(d.working_days ? s.procWorkingDays : s.procDays, { n: days }) : d.text;
        fact(s.procDeadline, line(text, d));
      }
      const channels = Array.isArray(p.channels) ? p.channels : [];
      const places = Array.isArray(p.places) ? p.places : [];
      if (channels.length || places.length) {
        fact(s.procWhere, h("ul", { class: "proc-list" },
          channels.map((ch) => h("li", null, line(
            [s.procChannels[ch.channel] || ch.text, ch.address || ch.url].filter(Boolean).join(": "), ch))),
          places.map((pl) => h("li", null, line(pl.text, pl)))));
      }
      for (const a of Array.isArray(p.authorities) ? p.authorities : []) {
        fact(s.procAuthority, line(a.body + (a.delegated_from ? ` ${fmt(s.procDelegated, { from: a.delegated_from })}` : ""), a));
      }
      if (p.fee) fact(s.procFee, line(p.fee.free ? s.procFree : p.fee.text, p.fee));
      const dossier = Array.isArray(p.dossier) ? p.dossier : [];
      const basis = Array.isArray(p.legal_basis) ? p.legal_basis : [];
      const uid = `${this._uid}-proc-${Math.random().toString(36).slice(2)}`;
      return h(
        "section",
        { class: "proc-card", "aria-label": fmt(s.procCard, { name }) },
        h("h3", { class: "proc-name" }, h("span", { text: name }), " ", nameMarker),
        h("p", { class: "proc-code", text: [p.code ? fmt(s.procCode, { code: p.code }) : "", p.field && p.field.text]
          .filter(Boolean).join(" · ") }),
        facts.length ? h("dl", { class: "proc-facts" }, facts) : null,
        dossier.length ? h("h4", { id: `${uid}-d`, text: s.procDossier }) : null,
        dossier.length
          ? h("ul", { class: "proc-checklist", "aria-labelledby": `${uid}-d`, title: s.procDossierHint },
            dossier.map((item, i) => {
              const extra = [s.procCopy[item.copy_kind] || "", item.quantity ? fmt(s.procCopies, { n: item.quantity }) : ""]
                .filter(Boolean).join(", ");
              const id = `${uid}-i${i}`;
              return h("li", null,
                h("input", { type: "checkbox", id }),
                h("label", { for: id, text: extra ? `${item.name} (${extra})` : item.name }),
                " ", cite(item));
            }))
          : null,
        basis.length ? h("h4", { id: `${uid}-b`, text: s.procBasis }) : null,
        basis.length
          ? h("ul", { class: "proc-list", "aria-labelledby": `${uid}-b` }, basis.map((b) => h("li", null, line(b.text, b))))
          : null,
      );
    }

    _actions(m) {
      const s = this.s;
      const status = h("p", { class: "act-status", role: "status", hidden: true });
      const show = (text, bad) => {
        status.hidden = false;
        status.classList.toggle("bad", !!bad);
        status.textContent = text;
      };
      const copyBtn = h(
        "button",
        { type: "button", class: "act copy", "aria-label": s.copyAria, onclick: () => this._copy(m, show) },
        icon("copy"),
        h("span", { text: s.copy, "aria-hidden": "true" }),
      );
      const up = h("button", { type: "button", class: "act up", "aria-label": s.helpful, title: s.helpful,
        "aria-pressed": String(m.feedback === "up") }, icon("up"));
      const down = h("button", { type: "button", class: "act down", "aria-label": s.notHelpful, title: s.notHelpful,
        "aria-pressed": String(m.feedback === "down") }, icon("down"));
      const wrap = h("div", null);
      const lock = () => {
        up.disabled = down.disabled = true;
      };
      if (m.feedback) {
        lock();
      }
      const send = async (rating, comment, form) => {
        const result = await this._feedback(m, rating, comment);
        if (result.ok) {
          m.feedback = rating;
          this._save();
          up.setAttribute("aria-pressed", String(rating === "up"));
          down.setAttribute("aria-pressed", String(rating === "down"));
          lock();
          if (form) form.remove();
          show(s.feedbackThanks);
          (rating === "up" ? up : down).focus();
        } else {
          show(fmt(s.feedbackError, { detail: result.message }), true);
          up.disabled = down.disabled = false;
        }
      };
      up.addEventListener("click", () => {
        up.disabled = down.disabled = true;
        send("up", null, null);
      });
      down.addEventListener("click", () => {
        if (wrap.querySelector(".fb-form")) {
          wrap.querySelector("textarea").focus();
          return;
        }
        down.setAttribute("aria-pressed", "true");
        const fid = `${this._uid}-fb-${m.id}`;
        const area = h("textarea", { id: fid, maxlength: "2000", placeholder: s.commentPlaceholder });
        const submit = h("button", { type: "submit", class: "btn", text: s.sendFeedback });
        const form = h(
          "form",
          { class: "fb-form" },
          h("label", { for: fid, text: s.commentLabel }),
          area,
          h("div", { class: "row" }, submit,
            h("button", { type: "button", class: "btn secondary", text: s.cancel, onclick: () => form._cancel() })),
        );
        form._cancel = () => {
          form.remove();
          down.setAttribute("aria-pressed", "false");
          down.focus();
        };
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          submit.disabled = true;
          up.disabled = down.disabled = true;
          send("down", area.value.trim() || null, form).finally(() => {
            submit.disabled = false;
          });
        });
        wrap.append(form);
        area.focus();
      });
      wrap.prepend(h("div", { class: "actions" }, copyBtn, up, down), status);
      return wrap;
    }

    async _feedback(m, rating, comment) {
      const body = { answer_id: m.id, rating };
      if (comment) body.comment = comment;
      try {
        const res = await fetch(`${this.cfg.api}/api/feedback`, {
          method: "POST",
          headers: this._headers({ "Content-Type": "application/json", Accept: "application/json" }),
          body: JSON.stringify(body),
        });
        if (res.ok) return { ok: true };
        const info = await this._httpError(res);
        return { ok: false, message: this._errorText(info) };
      } catch {
        return { ok: false, message: this.s.errNetwork };
      }
    }

    async _copy(m, show) {
      const text = copyText(m);
      let ok = false;
      try {
        await navigator.clipboard.writeText(text);
        ok = true;
      } catch {
        const area = h("textarea", { class: "sr-only", readonly: true, "aria-hidden": "true" });
        area.value = text;
        this.root.append(area);
        area.select();
        try {
          ok = document.execCommand("copy");
        } catch {
          ok = false;
        }
        area.remove();
      }
      show(ok ? this.s.copied : this.s.copyFailed, !ok);
    }

    _newConversation() {
      this._generation++;
      if (this._controller) this._controller.abort();
      this._controller = null;
      if (this._busy) this._setBusy(false);
      this.state = { conversationId: null, messages: [] };
      try {
        sessionStorage.removeItem(this._storeKey);
      } catch {
        /* ignore */
      }
      this._closeSource(false);
      this._renderMessages();
      this._announce(this.s.newChatDone);
      this.input.value = "";
      this._autosize();
      this.input.focus();
    }

    // -- asking ------------------------------------------------------------------------------------
    _submit() {
      if (this._busy) {
        if (this._controller) this._controller.abort();
        return;
      }
      const q = this.input.value.trim();
      if (!q) {
        this.input.focus();
        return;
      }
      this._ask(q);
    }

    _setBusy(busy) {
      this._busy = busy;
      this.log.setAttribute("aria-busy", String(busy));
      const label = busy ? this.s.stop : this.s.send;
      this.sendBtn.setAttribute("aria-label", label);
      this.sendBtn.title = label;
      this.sendBtn.replaceChildren(icon(busy ? "stop" : "send"));
      this.sendBtn.classList.toggle("busy", busy);
    }

    async _ask(question, retry = false) {
      question = String(question || "").trim();
      if (!question || this._busy) return;
      if (question.length > MAX_QUESTION) {
        this._showError({ kind: "too_long" }, question);
        return;
      }
      if (!retry) {
        this.state.messages.push({ role: "user", text: question });
        this._save();
        if (this.log.querySelector(".welcome")) this.log.replaceChildren();
        this.log.append(this._userNode({ text: question }));
        this.input.value = "";
        this._autosize();
      }

      // pending answer: "Đang tìm căn cứ…" then the streamed text
      const statusText = h("span", { text: this.s.searching });
      const thinking = h(
        "div",
        { class: "thinking" },
        h("span", { class: "dots", "aria-hidden": "true" }, h("span"), h("span"), h("span")),
        statusText,
      );
      const md = h("div", { class: "md", hidden: true });
      const warnings = h("ul", { class: "notes", hidden: true });
      const bubble = h("div", { class: "bubble" }, h("span", { class: "sr-only", text: `${this.s.bot} ` }), thinking, md, warnings);
      const pending = h("div", { class: "msg bot pending" }, bubble);
      this.log.append(pending);
      this._scrollToBottom();
      this._setBusy(true);
      this._announce(this.s.searching);

      const typer = new Typewriter((text) => {
        const stick = this._nearBottom();
        thinking.hidden = true;
        md.hidden = false;
        md.replaceChildren(renderRich(text), h("span", { class: "caret", "aria-hidden": "true" }));
        if (stick) this._scrollToBottom();
      });

      const controller = new AbortController();
      this._controller = controller;
      const generation = ++this._generation;
      const stale = () => generation !== this._generation;
      let final = null;
      let failure = null;
      try {
        const body = { question, stream: true };
        if (this.state.conversationId) body.conversation_id = this.state.conversationId;
        const res = await fetch(`${this.cfg.api}/api/chat`, {
          method: "POST",
          headers: this._headers({ "Content-Type": "application/json", Accept: "text/event-stream" }),
          body: JSON.stringify(body),
          signal: controller.signal,
        });
        if (!res.ok) {
          failure = await this._httpError(res);
        } else if ((res.headers.get("content-type") || "").includes("text/event-stream")) {
          for await (const ev of readSSE(res)) {
            let data;
            try {
              data = JSON.parse(ev.data);
            } catch {
              continue;
            }
            if (stale()) break;
            if (ev.event === "sources") {
              if (data.conversation_id) {
                this.state.conversationId = data.conversation_id;
                this._save();
              }
              statusText.textContent = this.s.composing;
            } else if (ev.event === "token") {
              if (typeof data.text === "string") typer.push(data.text);
            } else if (ev.event === "answer") {
              final = data;
            } else if (ev.event === "error") {
              if (data.fallback) {
                warnings.hidden = false;
                warnings.append(h("li", { text: data.message || "" }));
              } else {
                failure = { kind: "stream", message: data.message, code: data.code };
              }
            } else if (ev.event === "done") {
              break;
            }
          }
          if (!final && !failure) failure = { kind: "interrupted" };
        } else {
          final = await res.json();
        }
      } catch (err) {
        failure = err && err.name === "AbortError" ? { kind: "aborted" } : { kind: "network" };
      }
      if (this._controller === controller) this._controller = null;
      if (stale()) {
        // "new conversation" was pressed meanwhile: this answer belongs to nothing on screen
        typer.stop();
        return;
      }

      if (final && typeof final.text === "string") {
        await typer.finish(final.text);
        if (stale()) return;
        const msg = {
          role: "assistant",
          id: final.id || null,
          text: final.text,
          citations: Array.isArray(final.citations) ? final.citations : [],
          notes: Array.isArray(final.notes) ? final.notes : [],
          declined: !!final.declined,
          decline_reason: final.decline_reason || null,
          procedure: final.procedure && typeof final.procedure === "object" ? final.procedure : null,
          feedback: null,
        };
        if (final.conversation_id) this.state.conversationId = final.conversation_id;
        this.state.messages.push(msg);
        this._save();
        const stick = this._nearBottom();
        const node = this._botNode(msg);
        const warn = warnings.hidden ? null : warnings;
        if (warn) node.querySelector(".md").after(warn);
        pending.replaceWith(node);
        if (stick) this._scrollToBottom();
        this._setBusy(false);
        this._announce(msg.declined ? this.s.declinedTitle : this.s.answered);
        return;
      }
      typer.stop();
      this._setBusy(false);
      if (failure && failure.kind === "aborted") {
        if (pending.isConnected) {
          pending.classList.remove("pending");
          thinking.hidden = true;
          const caret = md.querySelector(".caret");
          if (caret) caret.remove();
          bubble.append(h("p", { class: "stopped-note", text: this.s.stopped }));
          this._announce(this.s.stopped);
        }
        return;
      }
      pending.remove();
      this._showError(failure || { kind: "interrupted" }, question);
    }

    async _httpError(res) {
      let message = "";
      let code = "";
      try {
        const body = await res.json();
        const err = body && (body.error || body.detail);
        if (err && typeof err === "object") {
          message = typeof err.message === "string" ? err.message : "";
          code = typeof err.code === "string" ? err.code : "";
        } else if (typeof err === "string") {
          message = err;
        }
      } catch {
        /* not JSON */
      }
      const status = res.status;
      let retryAfter = null;
      const ra = res.headers.get("retry-after");
      if (ra) {
        const secs = /^\d+$/.test(ra.trim()) ? Number(ra) : Math.round((Date.parse(ra) - Date.now()) / 1000);
        if (Number.isFinite(secs) && secs > 0) retryAfter = Math.min(secs, 3600);
      }
      let kind = "server";
      if (status === 429) kind = "rate";
      else if (status === 401 || status === 403) kind = "auth";
      else if (status === 404) kind = "not_found";
      else if (status === 400 || status === 413 || status === 422) kind = "invalid";
      else if (status === 503) kind = "unavailable";
      return { kind, status, message, code, retryAfter };
    }

    _errorText(info) {
      const s = this.s;
      switch (info.kind) {
        case "rate": {
          let wait = s.waitDefault;
          if (info.retryAfter) {
            wait = info.retryAfter >= 90
              ? fmt(s.waitMinutes, { m: Math.ceil(info.retryAfter / 60) })
              : fmt(s.waitSeconds, { s: info.retryAfter });
          }
          return fmt(s.errRate, { wait });
        }
        case "auth":
          return s.errAuth;
        case "not_found":
          return s.errNotFound;
        case "invalid":
          return s.errInvalid;
        case "too_long":
          return s.errTooLong;
        case "unavailable":
          return s.errUnavailable;
        case "network":
          return s.errNetwork;
        case "interrupted":
          return s.errInterrupted;
        case "stream":
          return info.message ? `${info.message} ${s.errInterrupted}` : s.errServer;
        default:
          return s.errServer;
      }
    }

    _showError(info, question) {
      const s = this.s;
      const text = this._errorText(info);
      const detail = info.message && ["invalid", "server", "unavailable"].includes(info.kind) ? info.message : null;
      const canRetry = !["auth", "invalid", "too_long", "not_found"].includes(info.kind);
      const node = h("div", { class: "msg error", "data-kind": info.kind });
      const bubble = h("div", { class: "bubble" }, h("p", { class: "err-text", text }));
      if (detail && detail !== text) bubble.append(h("p", { class: "detail", text: detail }));
      if (canRetry) {
        const btn = h("button", { type: "button", class: "btn secondary retry" }, icon("refresh"), h("span", { text: s.retry }));
        const label = btn.querySelector("span");
        btn.addEventListener("click", () => {
          node.remove();
          this._ask(question, true);
        });
        if (info.kind === "rate" && info.retryAfter) {
          let left = info.retryAfter;
          btn.disabled = true;
          label.textContent = fmt(s.retryIn, { s: left });
          const timer = setInterval(() => {
            left -= 1;
            if (left <= 0 || !node.isConnected) {
              clearInterval(timer);
              btn.disabled = false;
              label.textContent = s.retry;
            } else {
              label.textContent = fmt(s.retryIn, { s: left });
            }
          }, 1000);
        }
        bubble.append(h("div", { class: "row" }, btn));
      } else if (info.kind === "invalid" || info.kind === "too_long") {
        if (!this.input.value) {
          this.input.value = question;
          this._autosize();
        }
      }
      node.append(bubble);
      this.log.append(node);
      this._scrollToBottom();
      this._announce(text);
    }

    // -- cited article -------------------------------------------------------------------------------
    _sourceUrl(c) {
      const url = typeof c.url === "string" && c.url.startsWith("/") && !c.url.startsWith("//")
        ? c.url
        : `/api/documents/${encodeURIComponent(c.doc_id)}/articles/${encodeURIComponent(c.article || c.article_key)}` +
          (c.clause ? `?khoan=${encodeURIComponent(c.clause)}` : "");
      return this.cfg.api + url;
    }

    _openSource(c, opener) {
      this._returnFocus = opener || null;
      this.root.querySelectorAll("[aria-current='true']").forEach((el) => el.removeAttribute("aria-current"));
      if (opener) opener.setAttribute("aria-current", "true");
      this.sourcePane.hidden = false;
      this.panel.classList.add("has-source");
      this.sourcePane.dataset.n = String(c.n);
      this.srcTitle.textContent = `${this.s.sourcesHeading} [${c.n}] · ${chipLabel(c)}`;
      this._layout();
      this.srcTitle.focus();
      this._loadSource(c);
    }

    _closeSource(restoreFocus = true) {
      if (this.sourcePane.hidden) return;
      this.sourcePane.hidden = true;
      this.panel.classList.remove("has-source");
      this._sourceToken++;
      this._layout();
      this.root.querySelectorAll("[aria-current='true']").forEach((el) => el.removeAttribute("aria-current"));
      if (restoreFocus) {
        const target = this._returnFocus && this._returnFocus.isConnected ? this._returnFocus : this.input;
        target.focus();
      }
      this._returnFocus = null;
    }

    async _loadSource(c) {
      const token = ++this._sourceToken;
      const url = this._sourceUrl(c);
      this.srcBody.replaceChildren(h("p", { class: "src-status", role: "status", text: this.s.sourceLoading }));
      this.srcBody.scrollTop = 0;
      let data = this._sourceCache.get(url);
      let errorText = null;
      if (!data) {
        try {
          const res = await fetch(url, { headers: this._headers({ Accept: "application/json" }) });
          if (res.ok) {
            data = await res.json();
            this._sourceCache.set(url, data);
          } else {
            const info = await this._httpError(res);
            errorText = info.kind === "not_found" && info.message ? info.message : this._errorText(info);
          }
        } catch {
          errorText = this.s.errNetwork;
        }
      }
      if (token !== this._sourceToken) return; // another citation was opened meanwhile
      if (!data || !data.article) {
        const retry = h("button", { type: "button", class: "btn secondary" }, icon("refresh"), h("span", { text: this.s.retry }));
        retry.addEventListener("click", () => this._loadSource(c));
        this.srcBody.replaceChildren(
          h("div", { class: "msg error" },
            h("div", { class: "bubble", role: "alert" },
              h("p", { text: this.s.sourceError }), errorText ? h("p", { class: "detail", text: errorText }) : null,
              h("div", { class: "row" }, retry))),
        );
        return;
      }
      this._renderSource(c, data);
    }

    _renderSource(c, data) {
      const s = this.s;
      const doc = data.document || {};
      const art = data.article || {};
      const validity = doc.validity || c.validity || "";
      const rows = [];
      const row = (label, value) => {
        if (value) rows.push([h("dt", { text: label }), h("dd", { text: value })]);
      };
      const name = doc.full_name || doc.display_name || c.doc_label || c.doc_id;
      if (doc.number && !name.includes(doc.number)) row(s.fieldNumber, doc.number);
      if (doc.type && !name.startsWith(doc.type)) row(s.fieldType, doc.type);
      row(s.fieldIssuer, doc.issuer);
      row(s.fieldIssued, vnDate(doc.issued));
      row(s.fieldEffective, vnDate(doc.effective));
      row(s.fieldExpires, vnDate(doc.expires));
      // The successor's name as the caller may know it (a text not held is named by its number).
      row(s.fieldReplacedBy, doc.successor || doc.replaced_by);
      const card = h(
        "div",
        { class: "doc-card" },
        h(
          "div",
          { class: "doc-top" },
          h("h3", { class: "doc-title", text: name }),
          validity ? h("span", { class: `badge ${validityClass(validity)}`, text: capitalize(validity) }) : null,
        ),
        rows.length ? h("dl", { class: "meta" }, rows.map((pair) => h("div", null, pair))) : null,
        doc.effective_note ? h("p", { class: "doc-note", text: `${s.fieldNote}: ${doc.effective_note}` }) : null,
        doc.validity_note ? h("p", { class: "doc-note", text: doc.validity_note }) : null,
      );
      const path = Array.isArray(art.heading_path) ? art.heading_path.filter(Boolean) : [];
      const heading = [art.label, art.title].filter(Boolean).join(". ");
      const body = h("div", { class: "art-body" });
      const highlighted = this._renderArticle(body, art, data.highlight ?? c.clause, c.point, c.mark);
      const docId = doc.id || c.doc_id;
      const link = h(
        "a",
        { class: "full-link", href: `${this.cfg.api}/api/documents/${encodeURIComponent(docId)}`, target: "_blank",
          rel: "noopener noreferrer" },
        h("span", { text: s.openFull }),
        icon("external"),
        h("span", { class: "sr-only", text: ` ${s.newTab}` }),
      );
      this.srcBody.replaceChildren(
        card,
        path.length ? h("p", { class: "crumbs", text: path.join(" › ") }) : null,
        h("h3", { class: "art-title", text: heading || c.article_label }),
        body,
        link,
      );
      if (highlighted) {
        // Scroll the cited khoản into view inside the pane only (never the host page), as little as
        // possible so the document's name and status stay in sight when they can.
        const sb = this.srcBody.getBoundingClientRect();
        const hb = highlighted.getBoundingClientRect();
        const margin = 16;
        if (hb.bottom > sb.bottom - margin) {
          this.srcBody.scrollTop += Math.min(hb.top - sb.top - margin, hb.bottom - sb.bottom + margin);
        }
      }
    }

    /** Article text split into its khoản; the cited one highlighted. Returns the highlighted block. */
    _renderArticle(container, art, khoan, point, mark) {
      const s = this.s;
      // `mark`: words a procedure card cites; the lines holding them are highlighted (first one labelled)
      const marked = (l) => typeof mark === "string" && mark.length > 2 && (l.includes(mark) || mark.includes(l.trim()));
      let markedFirst = null;
      const paragraphs = (text) =>
        String(text || "")
          .split("\n")
          .filter((l) => l.trim())
          .map((l) => {
            if (!marked(l)) return h("p", { text: l });
            const p = h("p", { class: "hl-line" });
            if (!markedFirst) {
              markedFirst = p;
              p.append(h("span", { class: "hl-label", text: s.citedPassage }), h("br"));
            }
            p.append(document.createTextNode(l));
            return p;
          });
      let text = String(art.text || "");
      const first = text.split("\n", 1)[0];
      if (art.label && first.startsWith(art.label)) text = text.slice(first.length).replace(/^\n/, "");
      const clauses = Array.isArray(art.clauses) ? art.clauses : [];
      if (!clauses.length) {
        container.append(...paragraphs(text));
        return markedFirst;
      }
      let pos = 0;
      let highlighted = null;
      for (const cl of clauses) {
        const ctext = String(cl.text || "");
        const at = ctext ? text.indexOf(ctext, pos) : -1;
        if (at > pos) container.append(...paragraphs(text.slice(pos, at)));
        if (at >= 0) pos = at + ctext.length;
        const hl = cl.highlight === true || (khoan != null && String(cl.number) === String(khoan));
        const block = h("div", { class: `clause${hl ? " hl" : ""}`, "data-khoan": cl.number ?? "" });
        if (hl) {
          block.append(h("span", { class: "hl-label", text: s.citedClause }));
          if (!highlighted) highlighted = block;
        }
        for (const line of ctext.split("\n").filter((l) => l.trim())) {
          const isPoint = hl && point && new RegExp(`^\\s*${point.replace(/[^\wđ]/g, "")}\\)`).test(line);
          const p = h("p", { class: isPoint ? "hl-point" : null });
          if (isPoint) p.append(h("span", { class: "sr-only", text: `${s.citedPoint}: ` }));
          if (!hl && marked(line)) {
            p.classList.add("hl-line");
            if (!markedFirst) {
              markedFirst = p;
              p.append(h("span", { class: "hl-label", text: s.citedPassage }), h("br"));
            }
          }
          p.append(document.createTextNode(line));
          block.append(p);
        }
        container.append(block);
      }
      if (pos < text.length) container.append(...paragraphs(text.slice(pos)));
      return highlighted || markedFirst;
    }
  }

  window.customElements.define(TAG, TroLyCongVu);

  // -- the one-tag embed: add the floating launcher --------------------------------------------------
  function autoMount() {
    if (!SCRIPT) return;
    const ds = SCRIPT.dataset;
    const mode = (ds.launcher || "").toLowerCase();
    if (mode === "off" || mode === "false" || mode === "none") return;
    if (mode !== "on" && document.querySelector(TAG)) return; // the page places the widget itself
    const el = document.createElement(TAG);
    for (const [k, v] of Object.entries(ds)) {
      el.setAttribute(`data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, v);
    }
    (document.body || document.documentElement).append(el);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", autoMount, { once: true });
  else autoMount();
})();
