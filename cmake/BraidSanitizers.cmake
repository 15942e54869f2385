# BRAID_SANITIZE=address;undefined or BRAID_SANITIZE=thread instruments every
# target of the build (library, apps, tests). Used by .ci/run's sanitizer passes.
if(BRAID_SANITIZE)
  list(JOIN BRAID_SANITIZE "," _braid_san)
  add_compile_options(-fsanitize=${_braid_san} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${_braid_san})
  if("undefined" IN_LIST BRAID_SANITIZE)
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
