/* Dịch vụ công: small enhancements. Every page works without this file. */
(function () {
  "use strict";
  var root = document.documentElement;
  root.classList.add("js");

  var SMALL = window.matchMedia("(max-width: 48rem)");

  /* The menu button on small screens: a real button that shows and hides the main navigation. */
  function setUpMenu() {
    var button = document.querySelector(".menu-button");
    var nav = button && document.getElementById(button.getAttribute("aria-controls"));
    if (!nav) return;
    button.hidden = false;
    function set(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      nav.classList.toggle("collapsed", !open);
    }
    set(false);
    button.addEventListener("click", function () {
      set(button.getAttribute("aria-expanded") !== "true");
    });
    nav.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && SMALL.matches && button.getAttribute("aria-expanded") === "true") {
        set(false);
        button.focus();
      }
    });
  }

  function formatSize(bytes) {
    var lang = root.lang || "vi";
    var units = ["B", "KB", "MB", "GB"];
    var size = bytes;
    var unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit += 1;
    }
    var digits = unit === 0 || size >= 10 ? 0 : 1;
    return size.toLocaleString(lang, { maximumFractionDigits: digits }) + "\u00a0" + units[unit];
  }

  /* File inputs: the chosen file's name and size, shown before anything is sent. */
  function setUpFiles() {
    var inputs = document.querySelectorAll("input[type=file][data-file-info]");
    Array.prototype.forEach.call(inputs, function (input) {
      var info = document.getElementById(input.getAttribute("data-file-info"));
      if (!info) return;
      var limit = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
      input.addEventListener("change", function () {
        info.textContent = "";
        Array.prototype.forEach.call(input.files, function (file) {
          var line = document.createElement("span");
          line.textContent = (info.getAttribute("data-chosen") || "") + " " + file.name + " (" + formatSize(file.size) + ")";
          info.appendChild(line);
          if (limit && file.size > limit) {
            var warning = document.createElement("span");
            warning.className = "too-large";
            warning.textContent = " " + (info.getAttribute("data-too-large") || "");
            info.appendChild(warning);
          }
        });
      });
    });
  }

  /* Upload progress: the same POST sent with XMLHttpRequest, whose upload reports its progress. The answer
     replaces the page as a normal submission would (the next step after a redirect, or the form with its
     errors). */
  function setUpUploadProgress() {
    var forms = document.querySelectorAll("form[data-upload-progress]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        var submitter = event.submitter;
        if (!window.FormData || !window.XMLHttpRequest) return;
        if (submitter && submitter.hasAttribute("formaction")) return;
        var files = form.querySelectorAll("input[type=file]");
        var chosen = Array.prototype.some.call(files, function (input) { return input.files.length > 0; });
        if (!chosen) return;
        var data;
        try {
          data = new FormData(form, submitter || undefined);
        } catch (error) {
          return; // an older browser: the ordinary submission
        }
        event.preventDefault();
        var box = document.getElementById(form.getAttribute("data-upload-progress"));
        var bar = box && box.querySelector("progress");
        var text = box && box.querySelector(".upload-progress-text");
        if (box) box.hidden = false;
        Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
          button.disabled = true;
        });
        var request = new XMLHttpRequest();
        request.open("POST", form.action || window.location.href);
        request.upload.addEventListener("progress", function (progress) {
          if (!progress.lengthComputable || !bar) return;
          var percent = Math.round((progress.loaded / progress.total) * 100);
          bar.value = percent;
          if (text) text.textContent = percent + "%";
        });
        request.addEventListener("load", function () {
          var here = window.location.href.split("#")[0];
          if (request.responseURL && request.responseURL !== here && request.status < 400) {
            window.location.assign(request.responseURL);
            return;
          }
          document.open();
          document.write(request.responseText);
          document.close();
        });
        request.addEventListener("error", function () {
          form.removeAttribute("data-upload-progress");
          if (box) box.hidden = true;
          Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
            button.disabled = false;
          });
          HTMLFormElement.prototype.submit.call(form); // try once more the ordinary way
        });
        request.send(data);
      });
    });
  }

  /* Forms that undo what cannot be had back (removing a paper from the store): asked once more before sending. */
  function setUpConfirmations() {
    var forms = document.querySelectorAll("form[data-confirm]");
    Array.prototype.forEach.call(forms, function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
      });
    });
  }

  /* The language switch reloads the page: what was typed and not yet saved is carried over in this tab's storage,
     put back into the same fields of the same page, then forgotten. Files, passwords, captchas and tokens are not. */
  var CARRIED = "portal.carried-fields";

  function carriedFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      var type = (field.type || "").toLowerCase();
      return field.name && !field.disabled && ["file", "password", "hidden", "submit", "button"].indexOf(type) < 0 &&
        field.name.indexOf("captcha") !== 0 && field.name !== "csrfmiddlewaretoken";
    });
  }

  function setUpLanguageCarry() {
    var switches = document.querySelectorAll("form.lang-switch");
    Array.prototype.forEach.call(switches, function (switchForm) {
      switchForm.addEventListener("submit", function () {
        var values = [];
        Array.prototype.forEach.call(document.querySelectorAll("main form[method=post], #content form[method=post]"),
          function (form, index) {
            carriedFields(form).forEach(function (field) {
              var checkable = field.type === "checkbox" || field.type === "radio";
              if (checkable ? field.checked : field.value) {
                values.push([index, field.name, field.value, checkable]);
              }
            });
          });
        try {
          window.sessionStorage.setItem(CARRIED, JSON.stringify({ path: window.location.pathname, values: values }));
        } catch (error) { /* storage refused: the page reloads as before */ }
      });
    });
    var saved;
    try {
      saved = JSON.parse(window.sessionStorage.getItem(CARRIED) || "null");
      window.sessionStorage.removeItem(CARRIED);
    } catch (error) {
      return;
    }
    if (!saved || saved.path !== window.location.pathname) return;
    var forms = document.querySelectorAll("main form[method=post], #content form[method=post]");
    saved.values.forEach(function (entry) {
      var form = forms[entry[0]];
      if (!form) return;
      carriedFields(form).forEach(function (field) {
        if (field.name !== entry[1]) return;
        if (entry[3]) {
          if (field.value === entry[2]) field.checked = true;
        } else {
          field.value = entry[2];
        }
      });
    });
  }

  function ready() {
    setUpMenu();
    setUpFiles();
    setUpUploadProgress();
    setUpConfirmations();
    setUpLanguageCarry();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
