# SPDX-License-Identifier: MIT
# The plugin is loaded by its entry point once the package is installed; from the source tree,
# scripts/test passes -p netlab.pytest_plugin.
