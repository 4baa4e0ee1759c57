// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  // The main menu folds behind a button on narrow screens (static/css/app.css, below 600 px).
  // Without this script the button stays hidden and the menu is a plain list.
  const menuButton = document.querySelector(".menu-button");
  const menu = menuButton && document.getElementById(menuButton.getAttribute("aria-controls"));
  if (menuButton && menu) {
    const setOpen = (open) => {
      menuButton.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    };
    menuButton.hidden = false;
    document.documentElement.classList.add("menu-ready");
    menuButton.addEventListener("click", () => {
      // A disclosure: focus stays on the button, the menu follows it in the tab order.
      setOpen(menuButton.getAttribute("aria-expanded") !== "true");
    });
    // Escape closes the open menu and returns to its button.
    menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && menuButton.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        menuButton.focus();
      }
    });
  }

  // Focus the first field with an error so keyboard and screen-reader users land on it.
  const invalid = document.querySelector("[aria-invalid='true']");
  if (invalid) invalid.focus();

  // The per-item timer on the chair's screen.
  const timer = document.getElementById("item-timer");
  if (timer && timer.dataset.started) {
    const started = Date.parse(timer.dataset.started);
    const target = Number(timer.dataset.targetMinutes) * 60;
    const pad = (n) => String(n).padStart(2, "0");
    const tick = () => {
      const elapsed = Math.max(0, Math.floor((Date.now() - started) / 1000));
      timer.textContent = `${pad(Math.floor(elapsed / 60))}:${pad(elapsed % 60)} / ${pad(target / 60)}:00`;
      timer.classList.toggle("over", elapsed > target);
    };
    tick();
    setInterval(tick, 1000);
  }

  // A step that cannot be undone asks first, in a native dialog: showModal() keeps focus
  // inside it and Escape closes it. The dialog's own button sends confirmed=yes; without
  // this script the server asks the same question as a page.
  document.querySelectorAll("[data-confirm]").forEach((trigger) => {
    const dialog = document.getElementById(trigger.dataset.confirm);
    if (!dialog || typeof dialog.showModal !== "function") return;
    trigger.addEventListener("click", (event) => {
      const form = trigger.form;
      if (form && !form.reportValidity()) return;
      // data-confirm-if="name=value": ask only when that choice is made (e.g. "conclude").
      const condition = trigger.dataset.confirmIf;
      if (condition && form) {
        const [name, value] = condition.split("=");
        if (new FormData(form).get(name) !== value) return;
      }
      event.preventDefault();
      dialog.showModal();
    });
    dialog.querySelectorAll("[data-dialog-close]").forEach((button) => {
      button.addEventListener("click", () => dialog.close());
    });
    dialog.addEventListener("close", () => trigger.focus());
  });

  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });

  // A meeting's agenda follows the chair's decisions: each request waits on the server for
  // the next change (long-polling; without Redis the server answers at once and we ask again
  // a second later). The new agenda replaces the old; a closed meeting sends us to its minutes.
  const follow = async () => {
    const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (;;) {
      const agenda = document.getElementById("agenda");
      if (!agenda || !agenda.dataset.follow) return;
      const url = `${agenda.dataset.follow}?since=${encodeURIComponent(agenda.dataset.revision)}&wait=1`;
      try {
        const response = await fetch(url, {
          headers: { "HX-Request": "true" },
          credentials: "same-origin",
        });
        const redirect = response.headers.get("HX-Redirect");
        if (redirect) {
          window.location.assign(redirect);
          return;
        }
        if (response.status === 200) {
          const fresh = document.createElement("div");
          fresh.innerHTML = await response.text();
          const replacement = fresh.querySelector("#agenda");
          if (replacement) {
            agenda.replaceWith(replacement);
            if (window.htmx) window.htmx.process(replacement);
          }
        } else if (response.status === 204) {
          if (response.headers.get("X-Follow-Again") !== "now") await pause(1000);
        } else {
          await pause(5000);
        }
      } catch (error) {
        await pause(1000); // the network dropped: ask again shortly
      }
    }
  };
  follow();

  // J / K move between agenda items, unless the chair is typing.
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const tag = (event.target.tagName || "").toLowerCase();
    if (["input", "textarea", "select"].includes(tag) || event.target.isContentEditable) return;
    const form = document.querySelector(`form[data-shortcut="${event.key.toLowerCase()}"]`);
    if (form) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
});
