// Logging out of a shared device clears the field survey's offline copies of pages and task lists
// (Cache Storage). Unsent questionnaires stay in IndexedDB, kept per username, so nothing is lost.
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form.logout") || !window.caches || form.dataset.cleared) return;
  event.preventDefault();
  try {
    const keys = await caches.keys();
    await Promise.all(keys.filter((k) => k.startsWith("fupin-field-")).map((k) => caches.delete(k)));
  } finally {
    form.dataset.cleared = "1";
    form.submit();
  }
});
