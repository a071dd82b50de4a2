// API token created: copy the secret with one click; select it on focus so
// Ctrl+C works where the clipboard API is not available.
document.querySelectorAll("[data-copy-target]").forEach((button) => {
  const input = document.getElementById(button.dataset.copyTarget);
  if (!input) return;
  input.addEventListener("focus", () => input.select());
  button.addEventListener("click", async () => {
    input.focus();
    input.select();
    try {
      await navigator.clipboard.writeText(input.value);
      button.textContent = button.dataset.copiedText;
    } catch (error) {
      // No clipboard permission: the text stays selected for Ctrl+C.
    }
  });
});
