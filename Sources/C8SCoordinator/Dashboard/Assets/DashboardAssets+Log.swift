extension DashboardAssets {
    /// The step log viewer: opens on the tail (`tail=200`), then renders only the rows in view from blocks of
    /// 1,000 lines fetched by range (`from`/`to`, `format=html`: the server escapes and colours), at most 24
    /// blocks kept (least recently used go first), so memory stays bounded whatever the log's size. Scroll
    /// positions are scaled past 8,000,000 px. Follow streams new lines and scrolls with them until the user
    /// scrolls up; search streams matches from the server and jumps to lines not loaded yet; `#L<n>` opens at line n.
    static let logScript = ##"""
        (function () {
          'use strict';
          const LH = 18, BLOCK = 1000, MAX_BLOCKS = 24, MAX_PX = 8000000, TAIL = 200, MAX_RESULTS = 200;
          const box = document.getElementById('log');
          if (!box) return;
          const spacer = box.querySelector('.spacer'), rowsEl = box.querySelector('.rows');
          const api = box.dataset.api, container = box.dataset.container;
          const linesEl = document.getElementById('lines'), followEl = document.getElementById('follow');
          const tsEl = document.getElementById('timestamps'), form = document.getElementById('search');
          const qEl = document.getElementById('q'), prevEl = document.getElementById('prev');
          const nextEl = document.getElementById('next');
          const matchesEl = document.getElementById('matches'), results = document.getElementById('results');
          function url(path, extra) {
            return api + path + '?container=' + encodeURIComponent(container) + (extra ? '&' + extra : '');
          }
          let total = 0, complete = false, autoScroll = true, lastSet = -1, highlight = -1, first = 0, frame = 0;
          const blocks = new Map(), pending = new Map();
          const state = { firstPaintMs: 0, searchMs: 0, error: '' };
          window.c8sLog = {
            state: state,
            get total() { return total; },
            get complete() { return complete; },
            get firstVisible() { return first; },
            get cachedBlocks() { return blocks.size; },
            get cachedLines() { let n = 0; blocks.forEach(function (b) { n += b.count; }); return n; },
            get autoScroll() { return autoScroll; },
            jump: function (n) { jump(n); },
            scrollToLine: function (n) { setScroll(scrollTopFor(n)); }
          };
          function esc(s) {
            return String(s).replace(/[&<>"']/g, function (c) {
              return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
            });
          }
          function showError(err) { state.error = String(err); linesEl.textContent = String(err); }
          function touch(i) {
            const b = blocks.get(i);
            if (b) { blocks.delete(i); blocks.set(i, b); }
            return b;
          }
          function put(rec) {
            const i = Math.floor(rec.line / BLOCK);
            let b = touch(i);
            if (!b) {
              b = { lines: new Array(BLOCK), count: 0, fetchedTo: -1 };
              blocks.set(i, b);
              while (blocks.size > MAX_BLOCKS) blocks.delete(blocks.keys().next().value);
            }
            const k = rec.line - i * BLOCK;
            if (!b.lines[k]) b.count += 1;
            b.lines[k] = rec;
            if (rec.line >= total) total = rec.line + 1;
          }
          async function readNDJSON(address, onRecord, signal) {
            const r = await fetch(address, { credentials: 'same-origin', signal: signal });
            if (r.redirected) { location.reload(); return; }
            if (!r.ok) {
              let message = r.status + ' ' + r.statusText;
              try { message = (await r.json()).message || message; } catch (e) { }
              const error = new Error(message);
              error.status = r.status;
              throw error;
            }
            const reader = r.body.getReader(), decoder = new TextDecoder();
            let rest = '';
            for (;;) {
              const chunk = await reader.read();
              if (chunk.done) break;
              const parts = (rest + decoder.decode(chunk.value, { stream: true })).split('\n');
              rest = parts.pop();
              for (const part of parts) if (part) onRecord(JSON.parse(part));
            }
            if (rest.trim()) onRecord(JSON.parse(rest));
          }
          function scaled() { return total * LH > MAX_PX; }
          function rowsInView() {
            return scaled() ? Math.max(1, Math.floor(box.clientHeight / LH)) : Math.ceil(box.clientHeight / LH) + 1;
          }
          function maxScroll() { return Math.max(1, Math.min(total * LH, MAX_PX) - box.clientHeight); }
          function firstLineAt(top) {
            if (!scaled()) return Math.floor(top / LH);
            return Math.round(Math.min(1, top / maxScroll()) * Math.max(0, total - rowsInView()));
          }
          function scrollTopFor(line) {
            if (!scaled()) return line * LH;
            return Math.round(Math.min(1, line / Math.max(1, total - rowsInView())) * maxScroll());
          }
          function setScroll(top) {
            spacer.style.height = Math.min(total * LH, MAX_PX) + 'px';
            box.scrollTop = top;
            lastSet = box.scrollTop;
            schedule();
          }
          function toBottom() {
            spacer.style.height = Math.min(total * LH, MAX_PX) + 'px';
            setScroll(box.scrollHeight);
          }
          function schedule() { if (!frame) frame = requestAnimationFrame(render); }
          function render() {
            frame = 0;
            spacer.style.height = Math.min(total * LH, MAX_PX) + 'px';
            const top = box.scrollTop, count = rowsInView();
            first = Math.max(0, Math.min(firstLineAt(top), total - (scaled() ? count : 1)));
            const offset = scaled() ? Math.min(top, Math.max(0, MAX_PX - count * LH)) : first * LH;
            rowsEl.style.transform = 'translateY(' + offset + 'px)';
            let html = '';
            const wanted = new Set();
            for (let n = first; n < Math.min(total, first + count); n++) {
              const i = Math.floor(n / BLOCK), b = touch(i), rec = b && b.lines[n - i * BLOCK];
              const link = '<a class="ln" href="#L' + (n + 1) + '">' + (n + 1) + '</a>';
              if (!rec) {
                if (!b || b.fetchedTo <= n) wanted.add(i);
                html += '<div class="row pending" data-line="' + n + '">' + link +
                  '<span class="tx">\u2026</span></div>';
              } else {
                html += '<div class="row' + (n === highlight ? ' hit' : '') + '" data-line="' + n + '">' + link +
                  '<span class="ts">' + esc(rec.time) + '</span><span class="tx">' + rec.html + '</span></div>';
              }
            }
            rowsEl.innerHTML = html;
            wanted.forEach(load);
            linesEl.textContent = total.toLocaleString('en') + ' lines' + (complete ? '' : ' (running)');
          }
          function load(i) {
            if (pending.has(i)) return;
            const from = i * BLOCK, to = Math.min(total, from + BLOCK);
            if (to <= from) return;
            const job = readNDJSON(url('', 'format=html&from=' + from + '&to=' + to), put).then(function () {
              pending.delete(i);
              const b = blocks.get(i);
              if (b) b.fetchedTo = Math.max(b.fetchedTo, to);
              schedule();
            }, function (err) { pending.delete(i); showError(err); });
            pending.set(i, job);
          }
          function jump(n) {
            n = Math.max(0, Math.min(n, total - 1));
            highlight = n;
            autoScroll = false;
            if (followEl) followEl.checked = false;
            setScroll(scrollTopFor(Math.max(0, n - 3)));
          }
          box.addEventListener('scroll', function () {
            if (Math.abs(box.scrollTop - lastSet) > 2) {
              const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
              autoScroll = atBottom && !complete;
              if (followEl && !complete) followEl.checked = autoScroll;
              lastSet = -1;
            }
            schedule();
          });
          if (followEl) followEl.addEventListener('change', function () {
            autoScroll = followEl.checked;
            if (autoScroll) toBottom();
          });
          tsEl.addEventListener('change', function () { box.classList.toggle('show-ts', tsEl.checked); });
          function fromHash() {
            const m = /^#L(\d+)$/.exec(location.hash);
            return m ? parseInt(m[1], 10) - 1 : -1;
          }
          window.addEventListener('hashchange', function () { const n = fromHash(); if (n >= 0) jump(n); });
          async function follow() {
            try {
              await readNDJSON(url('', 'format=html&follow=true&from=' + total), function (rec) {
                put(rec);
                if (autoScroll) toBottom(); else schedule();
              });
              complete = true;
              if (followEl) { followEl.checked = false; followEl.disabled = true; }
              schedule();
            } catch (err) { showError(err); }
          }
          let matches = [], current = -1, searching = null;
          function showCurrent() {
            matchesEl.textContent = (current + 1) + ' / ' + matches.length + state.summary;
            prevEl.disabled = nextEl.disabled = matches.length === 0;
            results.querySelectorAll('li').forEach(function (li, k) { li.classList.toggle('current', k === current); });
          }
          function addResult(rec, index) {
            const li = document.createElement('li');
            const go = document.createElement('button');
            go.type = 'button';
            go.textContent = 'L' + (rec.line + 1);
            go.addEventListener('click', function () { current = index; jump(rec.line); showCurrent(); });
            li.appendChild(go);
            for (const c of rec.before) {
              const s = document.createElement('div'); s.className = 'ctx'; s.textContent = c.text; li.appendChild(s);
            }
            const hit = document.createElement('div');
            hit.className = 'hitline'; hit.textContent = rec.text; li.appendChild(hit);
            for (const c of rec.after) {
              const s = document.createElement('div'); s.className = 'ctx'; s.textContent = c.text; li.appendChild(s);
            }
            results.appendChild(li);
          }
          form.addEventListener('submit', async function (e) {
            e.preventDefault();
            const text = qEl.value;
            if (!text) return;
            if (searching) searching.abort();
            searching = new AbortController();
            matches = []; current = -1; results.textContent = ''; state.summary = '';
            matchesEl.textContent = 'searching\u2026';
            box.dataset.search = 'running';
            const started = performance.now();
            try {
              await readNDJSON(url('/search', 'context=2&q=' + encodeURIComponent(text)), function (rec) {
                if (rec.done) {
                  state.summary = ' matches' + (rec.truncated ? ' (first ' + rec.matches + ')' : '') + ' in ' +
                    rec.scanned.toLocaleString('en') + ' lines';
                  return;
                }
                matches.push(rec.line);
                if (matches.length <= MAX_RESULTS) addResult(rec, matches.length - 1);
                if (matches.length === 1) { current = 0; jump(rec.line); }
              }, searching.signal);
              state.searchMs = performance.now() - started;
              if (matches.length === 0) matchesEl.textContent = 'no match' + state.summary; else showCurrent();
              box.dataset.search = 'done';
            } catch (err) {
              if (err.name !== 'AbortError') { matchesEl.textContent = String(err); box.dataset.search = 'failed'; }
            }
          });
          prevEl.addEventListener('click', function () {
            if (!matches.length) return;
            current = (current - 1 + matches.length) % matches.length;
            jump(matches[current]); showCurrent();
          });
          nextEl.addEventListener('click', function () {
            if (!matches.length) return;
            current = (current + 1) % matches.length;
            jump(matches[current]); showCurrent();
          });
          async function start() {
            const started = performance.now();
            const summary = fetch(url('/summary'), { credentials: 'same-origin' }).then(function (r) {
              return r.ok ? r.json() : null;
            });
            let tailError = null;
            try { await readNDJSON(url('', 'format=html&tail=' + TAIL), put); } catch (err) { tailError = err; }
            const s = await summary.catch(function () { return null; });
            if (s) { total = Math.max(total, s.lines); complete = s.complete; }
            if (tailError && tailError.status !== 404) showError(tailError);
            const target = fromHash();
            if (target >= 0 && target < total) jump(target); else toBottom();
            render();
            requestAnimationFrame(function () {
              state.firstPaintMs = performance.now() - started;
              box.dataset.ready = '1';
            });
            if (!complete) follow(); else if (followEl) { followEl.checked = false; followEl.disabled = true; }
          }
          start();
        })();
        """##
}
