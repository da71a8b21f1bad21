# Embeds the list of common passwords that Django ships (django/contrib/auth/
# common-passwords.txt.gz, 20,000 entries) for the registration route's CommonPasswordValidator.
# The list is Django's, not ours: it is read at configure time from Debian's python3-django
# (scripts/deps installs it) instead of being copied into the repository, and turned into a
# sorted C++ array in the build folder by embed_common_passwords.py. TASKAPI_COMMON_PASSWORDS
# may name another copy of the file.
function(taskapi_embed_common_passwords out)
    if(NOT TASKAPI_COMMON_PASSWORDS)
        find_program(TASKAPI_SYSTEM_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
        if(TASKAPI_SYSTEM_PYTHON)
            # Where the installed Django is, asked of the Python it is installed for.
            execute_process(
                COMMAND ${TASKAPI_SYSTEM_PYTHON} -c
                        "import os, django.contrib.auth as a; print(os.path.dirname(a.__file__))"
                OUTPUT_VARIABLE django_auth_dir
                OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)
        endif()
        set(candidate "${django_auth_dir}/common-passwords.txt.gz")
        if(django_auth_dir AND EXISTS "${candidate}")
            set(TASKAPI_COMMON_PASSWORDS "${candidate}" CACHE FILEPATH
                "Django's common-passwords.txt.gz, embedded for the password validators")
        endif()
    endif()
    if(NOT TASKAPI_COMMON_PASSWORDS OR NOT EXISTS "${TASKAPI_COMMON_PASSWORDS}")
        message(FATAL_ERROR
            "Django's list of common passwords (django/contrib/auth/common-passwords.txt.gz) "
            "was not found: install Debian's python3-django (./scripts/deps does), or pass "
            "-DTASKAPI_COMMON_PASSWORDS=/path/to/common-passwords.txt.gz.")
    endif()
    find_program(TASKAPI_SYSTEM_PYTHON python3 PATHS /usr/bin NO_DEFAULT_PATH)
    if(NOT TASKAPI_SYSTEM_PYTHON)
        find_program(TASKAPI_SYSTEM_PYTHON python3 REQUIRED)
    endif()
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                 "${TASKAPI_COMMON_PASSWORDS}" "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_common_passwords.py")
    get_filename_component(out_dir "${out}" DIRECTORY)
    file(MAKE_DIRECTORY "${out_dir}")
    execute_process(
        COMMAND ${TASKAPI_SYSTEM_PYTHON} "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_common_passwords.py"
                "${TASKAPI_COMMON_PASSWORDS}" "${out}.tmp"
        RESULT_VARIABLE status)
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "embedding ${TASKAPI_COMMON_PASSWORDS} failed")
    endif()
    file(COPY_FILE "${out}.tmp" "${out}" ONLY_IF_DIFFERENT)
endfunction()
