// The line-side terminal (templates/gate/kiosk.html). Without this script the page is a plain form; with it,
// a scan (the scanner types the number and Enter) or OK asks the kiosk's check view, the answer replaces the
// previous one, and after a few seconds the screen clears and the input takes the next scan.
(function () {
  "use strict";
  var frame = document.getElementById("kiosk");
  var form = document.getElementById("kiosk-form");
  var input = document.getElementById("kiosk-input");
  var slot = document.getElementById("kiosk-answer");
  if (!frame || !form || !input || !slot) {
    return;
  }
  var seconds = parseInt(frame.getAttribute("data-answer-seconds"), 10) || 8;
  var timer = null;
  var busy = false;
  var signedOut = false;

  function showAnswer() {
    // The whole answer in view (a phone, or a long list of reasons): the verdict first.
    var result = slot.firstElementChild;
    if (result && result.scrollIntoView) {
      result.scrollIntoView({ block: "nearest" });
    }
  }

  function showSignedOut(html) {
    // The terminal's session ended (deactivated, or paired again on another device): say so and stop; the
    // next scan must not go anywhere (no login form either, the view never sends one).
    signedOut = true;
    if (timer) {
      clearTimeout(timer);
    }
    slot.innerHTML = html;
    input.value = "";
    input.disabled = true;
    document.getElementById("kiosk-ok").disabled = true;
    showAnswer();
  }

  function focusInput() {
    input.focus();
  }

  function clearLater() {
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(function () {
      slot.innerHTML = "";
      input.value = "";
      focusInput();
    }, seconds * 1000);
  }

  if (slot.querySelector("#kiosk-result")) {
    showAnswer();
    clearLater(); // an answer rendered by the form post (a reload) clears too
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy || signedOut) {
      return;
    }
    if (!input.value.trim()) {
      focusInput();
      return;
    }
    busy = true;
    var body = new FormData(form);
    fetch(form.getAttribute("data-check-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { status: response.status, answer: answer };
        });
      })
      .then(function (reply) {
        if (reply.status === 401 || reply.status === 403 || reply.answer.signed_out) {
          showSignedOut(reply.answer.html || "");
          return;
        }
        slot.innerHTML = reply.answer.html || "";
        showAnswer();
      })
      .catch(function () {
        form.submit(); // the network or the session failed: the plain form says what happened
      })
      .finally(function () {
        busy = false;
        if (signedOut) {
          return;
        }
        input.value = "";
        focusInput();
        clearLater();
      });
  });

  document.getElementById("kiosk-keypad").addEventListener("click", function (event) {
    var key = event.target.closest("button");
    if (!key || signedOut) {
      return;
    }
    if (key.getAttribute("data-action") === "backspace") {
      input.value = input.value.slice(0, -1);
    } else {
      input.value += key.getAttribute("data-key");
    }
    focusInput();
  });

  // A tap anywhere else keeps the input ready for the scanner.
  document.addEventListener("click", function (event) {
    if (!event.target.closest("button, input, a")) {
      focusInput();
    }
  });
  focusInput();
})();
