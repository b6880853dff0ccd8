// Where the admin UI finds the Herald API. A deploy overwrites this file with the
// stage's API URL; "" means the same origin (the local stack serves both).
window.HERALD_CONFIG = {apiBase: ""};
